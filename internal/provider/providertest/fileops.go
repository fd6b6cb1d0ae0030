package providertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// FileContract checks a provider.FileDriver on root, an empty directory
// the test made on the panel: directories and files are made, a file is
// uploaded in chunks (a chunk sent again is not written twice), read,
// saved, listed, copied, moved, zipped and unzipped, pasted as a batch,
// deleted as a batch and one by one, and sized.
func FileContract(t *testing.T, d provider.FileDriver, root string) {
	ctx := panelCtx(t)
	lim := d.Limits()
	require.Positive(t, lim.EditBytes)
	require.Positive(t, lim.SaveBytes)
	require.Positive(t, lim.UploadBytes)

	require.NoError(t, d.CreateDir(ctx, root+"/a"))
	require.ErrorIs(t, d.CreateDir(ctx, root+"/a"), provider.ErrRejected, "a directory made twice")

	chunk := func(start int64, data string) provider.UploadChunk {
		return provider.UploadChunk{Dir: root + "/a", Name: "f.txt", Size: 10, Start: start, Data: strings.NewReader(data)}
	}
	n, done, err := d.Upload(ctx, chunk(0, "01234"))
	require.NoError(t, err)
	require.Equal(t, int64(5), n)
	require.False(t, done)
	n, done, err = d.Upload(ctx, chunk(0, "01234"))
	require.NoError(t, err)
	require.Equal(t, int64(5), n, "a chunk sent again is not written twice")
	require.False(t, done)
	n, done, err = d.Upload(ctx, chunk(5, "56789"))
	require.NoError(t, err)
	require.Equal(t, int64(10), n)
	require.True(t, done)
	body, err := d.ReadFile(ctx, root+"/a/f.txt")
	require.NoError(t, err)
	require.Equal(t, "0123456789", body.Data)
	require.Equal(t, int64(10), body.Size)

	require.NoError(t, d.SaveFile(ctx, root+"/a/f.txt", "new"))
	body, err = d.ReadFile(ctx, root+"/a/f.txt")
	require.NoError(t, err)
	require.Equal(t, "new", body.Data)
	_, err = d.ReadFile(ctx, root+"/a/none.txt")
	require.ErrorIs(t, err, provider.ErrNotFound)

	require.NoError(t, d.CreateFile(ctx, root+"/a/g.txt"))
	page, err := d.ListDir(ctx, provider.DirQuery{Path: root + "/a", Page: 1, Rows: 10})
	require.NoError(t, err)
	require.Equal(t, 2, page.Total)
	require.Equal(t, []string{"f.txt", "g.txt"}, entryNames(page.Entries))
	_, err = d.ListDir(ctx, provider.DirQuery{Path: root + "/none", Page: 1, Rows: 10})
	require.ErrorIs(t, err, provider.ErrNotFound)

	require.NoError(t, d.Copy(ctx, root+"/a/f.txt", root+"/a/h.txt"))
	require.NoError(t, d.Move(ctx, root+"/a/h.txt", root+"/b.txt", true))
	found, err := d.Exists(ctx, root, []string{"b.txt", "x.txt"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, "b.txt", found[0].Name)

	fileContractTrees(t, d, root)
}

// fileContractTrees is FileContract's second half: zip, unzip, batches,
// deletes and sizes, on the files of the first.
func fileContractTrees(t *testing.T, d provider.FileDriver, root string) {
	ctx := panelCtx(t)
	require.NoError(t, d.Zip(ctx, root+"/a", []string{"f.txt", "g.txt"}, root+"/a.zip", "zip"))
	require.NoError(t, d.Unzip(ctx, root+"/a.zip", root+"/u", ""))
	body, err := d.ReadFile(ctx, root+"/u/f.txt")
	require.NoError(t, err)
	require.Equal(t, "new", body.Data)

	require.NoError(t, d.CreateDir(ctx, root+"/p"))
	_, err = d.Paste(ctx, provider.Selection{Dir: root + "/a", Names: []string{"f.txt", "g.txt"}}, root+"/p", []string{"g.txt"})
	require.NoError(t, err)
	states, err := d.UploadExists(ctx, []string{root + "/p/f.txt", root + "/p/g.txt"})
	require.NoError(t, err)
	require.Len(t, states, 2)
	require.True(t, states[0].Exists)
	require.Equal(t, int64(3), states[0].Size)
	require.False(t, states[1].Exists, "a skipped name is not pasted")

	require.NoError(t, d.DeleteBatch(ctx, root+"/p", []string{"f.txt"}))
	states, err = d.UploadExists(ctx, []string{root + "/p/f.txt"})
	require.NoError(t, err)
	require.False(t, states[0].Exists)
	require.NoError(t, d.Delete(ctx, root+"/a", true))
	_, err = d.ListDir(ctx, provider.DirQuery{Path: root + "/a", Page: 1, Rows: 10})
	require.ErrorIs(t, err, provider.ErrNotFound)

	size, err := d.DirSize(ctx, root)
	require.NoError(t, err)
	require.NotEmpty(t, size)
	bytes, err := d.PathBytes(ctx, root)
	require.NoError(t, err)
	require.Positive(t, bytes)
}

func entryNames(es []provider.FileEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}
