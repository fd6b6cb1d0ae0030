package provider

import (
	"context"
	"io"
	"time"
)

// FileEntry is one entry of a directory listing on a hosting panel.
type FileEntry struct {
	Name  string
	Dir   bool
	Size  int64
	MTime time.Time
	// Link is the target of a symbolic link as the panel reads it
	// (os.readlink: relative or absolute), "" when the entry is no link.
	Link string
}

// DirQuery asks for one page of a directory.
type DirQuery struct {
	Path   string
	Page   int    // from 1
	Rows   int    // entries per page
	Search string // "" for all; else the panel's substring filter
}

// DirPage is one page of a directory listing.
type DirPage struct {
	Path    string // the directory the panel listed
	Total   int    // entries in the whole directory (matching Search)
	Entries []FileEntry
}

// FileBody is a file read for editing online.
type FileBody struct {
	Data     string
	Size     int64
	Encoding string
	ReadOnly bool // the panel shows only the file's tail (too large) or it is protected
}

// Selection is a batch copy or cut: names inside Dir.
type Selection struct {
	Dir   string
	Names []string
	Cut   bool
}

// ExistingFile is an entry CheckExists found at the destination.
type ExistingFile struct {
	Name  string `json:"filename"`
	Size  int64  `json:"size"`
	MTime string `json:"mtime"`
	Dir   bool   `json:"is_dir"`
}

// UploadState is what the panel says of a path before an upload.
type UploadState struct {
	Path   string `json:"filename"`
	Exists bool   `json:"exists"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime"`
	File   bool   `json:"isfile"`
}

// UploadChunk is one piece of a file being uploaded. Data is read once,
// as it streams to the panel.
type UploadChunk struct {
	Dir   string // the directory the file goes to
	Name  string // the file's name
	Size  int64  // the whole file's size
	Start int64  // where this chunk begins
	Data  io.Reader
}

// FileLimits are a panel's limits on the file manager.
type FileLimits struct {
	EditBytes   int64 // the largest file the panel edits online
	SaveBytes   int64 // the largest body zonkvmd saves
	UploadBytes int64 // the largest file zonkvmd uploads
}

// FileDriver is a hosting panel's file manager (hosting_operate's file
// sub-operations). It does not confine paths: the caller must. Each
// method returns an error wrapping ErrRejected when the panel refuses
// (its message kept), ErrNotFound when the path does not exist, and
// ErrUnavailable when the panel cannot be reached.
type FileDriver interface {
	Limits() FileLimits
	ListDir(ctx context.Context, q DirQuery) (DirPage, error)
	DirSize(ctx context.Context, path string) (string, error) // human text, as the panel says it
	PathBytes(ctx context.Context, path string) (int64, error)
	ReadFile(ctx context.Context, path string) (FileBody, error)
	SaveFile(ctx context.Context, path, data string) error
	CreateFile(ctx context.Context, path string) error
	CreateDir(ctx context.Context, path string) error
	Delete(ctx context.Context, path string, dir bool) error
	Move(ctx context.Context, src, dst string, rename bool) error
	Copy(ctx context.Context, src, dst string) error
	// Zip packs names (inside dir) into archive; kind is zip or tar_gz.
	Zip(ctx context.Context, dir string, names []string, archive, kind string) error
	Unzip(ctx context.Context, archive, dir, password string) error
	DeleteBatch(ctx context.Context, dir string, names []string) error
	// Paste copies or moves sel into dst, skipping skip, in a panel
	// session of its own; it returns the panel's summary.
	Paste(ctx context.Context, sel Selection, dst string, skip []string) (string, error)
	// Exists lists which of names exist in dir.
	Exists(ctx context.Context, dir string, names []string) ([]ExistingFile, error)
	UploadExists(ctx context.Context, paths []string) ([]UploadState, error)
	// Upload sends one chunk; it returns the bytes the panel now holds
	// (the next Start) and whether the file is complete.
	Upload(ctx context.Context, c UploadChunk) (received int64, done bool, err error)
}
