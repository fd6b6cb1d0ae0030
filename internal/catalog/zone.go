package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Zone is a row of getzones (document 四.1): an availability zone. It has
// no private fields, so it is also its file row.
type Zone struct {
	Status          int    `json:"status" cat:"flag"`
	GUID            string `json:"guid"`
	Name            string `json:"name" cat:"required"`
	IdentityStatus  int    `json:"identityStatus" cat:"flag"`
	WhiteListStatus int    `json:"whiteListStatus" cat:"flag"`
	Sort            int    `json:"sort"`
}

const zoneColumns = `z.status, z.guid, z.name, z.identity_status, z.white_list_status, z.sort`

func (z *Zone) dest() []any {
	return []any{&z.Status, &z.GUID, &z.Name, &z.IdentityStatus, &z.WhiteListStatus, &z.Sort}
}

// ListZones answers getzones: every zone, disabled ones too (semantics.md
// §3). It returns an error when the query fails.
func ListZones(ctx context.Context, q postgres.Querier) ([]Zone, error) {
	// Order: sort descending, as the document's example lists sort 111
	// before 16; then id.
	return list(ctx, q, "catalog.ListZones",
		`SELECT `+zoneColumns+` FROM zones z ORDER BY z.sort DESC, z.id`, (*Zone).dest)
}

var zoneSpec = spec[Zone]{
	key:        "getzones",
	identField: "guid",
	fresh:      func() Zone { return Zone{Status: 1} },
	ident:      func(z *Zone) string { return z.GUID },
	guid:       func(z *Zone) *string { return &z.GUID },
	note:       func(z *Zone, r *refs) { r.add("getzones", z.GUID) },
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[Zone], error) {
		return loadRows(ctx, q, `SELECT z.id, `+zoneColumns+` FROM zones z ORDER BY z.id`,
			func(z *Zone, _ *struct{}) []any { return z.dest() }, nil)
	},
	sql: buildWrite("zones", []string{"status", "guid", "name", "identity_status", "white_list_status", "sort"}, nil),
	args: func(z *Zone, _ *secret.Box) ([]any, error) {
		return []any{z.Status, z.GUID, z.Name, z.IdentityStatus, z.WhiteListStatus, z.Sort}, nil
	},
}

// SystemFields are the stored fields of a getsystems row (document 四.2),
// and the file row of getsystems. In the file LoginPassword is the default
// password in clear (sealed at rest); in the API it is always "***".
type SystemFields struct {
	TypeID         int              `json:"type_id" cat:"required"`
	Status         int              `json:"status" cat:"flag"`
	GUID           string           `json:"guid"`
	Name           string           `json:"name" cat:"required"`
	LoginName      string           `json:"login_name"`
	LoginPassword  string           `json:"login_password"`
	Port           string           `json:"port"`
	MirrorName     string           `json:"mirror_name"`
	CPULimit       int              `json:"cpu_limit"`
	RAMLimit       int              `json:"ram_limit"`
	Type           string           `json:"type" cat:"set=create install"`
	SystemHarddisk int              `json:"system_harddisk"`
	Support        string           `json:"support" cat:"set=server lease idc"`
	Lines          string           `json:"lines" cat:"json=strings"` // JSON text of zone guids
	Sort           int              `json:"sort"`
	CreateTime     apitype.DateTime `json:"create_time"`
	UpdateTime     apitype.DateTime `json:"update_time"`

	autoUpdate bool // update_time was not given: now() if the row changes
}

// System is a row of getsystems: the stored fields and the derived
// type_name (system_types) and zone_names (the zones of lines, in order,
// joined by "、").
type System struct {
	SystemFields
	TypeName  string `json:"type_name"`
	ZoneNames string `json:"zone_names"`
}

// ListSystems answers getsystems: every system, login_password "***". It
// returns an error when the query fails.
func ListSystems(ctx context.Context, q postgres.Querier) ([]System, error) {
	// Order: sort descending, as the document's example lists sort 16
	// before 10; then id.
	return list(ctx, q, "catalog.ListSystems", `
		SELECT s.type_id, s.status, s.guid, s.name, s.login_name, '***', s.port, s.mirror_name,
		       s.cpu_limit, s.ram_limit, s.type, s.system_harddisk, s.support,
		       array_to_json(s.zone_guids)::text, s.sort, s.create_time, s.update_time,
		       t.name, `+lineNames("s.zone_guids", "zones")+`
		FROM systems s
		JOIN system_types t ON t.id = s.type_id
		ORDER BY s.sort DESC, s.id`,
		func(s *System) []any {
			f := &s.SystemFields
			return []any{&f.TypeID, &f.Status, &f.GUID, &f.Name, &f.LoginName, &f.LoginPassword, &f.Port,
				&f.MirrorName, &f.CPULimit, &f.RAMLimit, &f.Type, &f.SystemHarddisk, &f.Support,
				&f.Lines, &f.Sort, &f.CreateTime, &f.UpdateTime, &s.TypeName, &s.ZoneNames}
		})
}

var systemSpec = spec[SystemFields]{
	key:        "getsystems",
	identField: "guid",
	ignored:    []string{"type_name", "zone_names"},
	fresh:      func() SystemFields { return SystemFields{Status: 1, Type: "create,install", Lines: "[]"} },
	ident:      func(s *SystemFields) string { return s.GUID },
	guid:       func(s *SystemFields) *string { return &s.GUID },
	check:      checkSystem,
	load:       loadSystems,
	sql: buildWrite("systems", []string{"type_id", "status", "guid", "name", "login_name", "login_password_enc",
		"port", "mirror_name", "cpu_limit", "ram_limit", "type", "system_harddisk", "support", "zone_guids",
		"sort", "create_time", "update_time"}, nil),
	args: func(s *SystemFields, box *secret.Box) ([]any, error) {
		zones, _ := parseStrings(s.Lines) // checked on decode
		return []any{s.TypeID, s.Status, s.GUID, s.Name, s.LoginName, box.SealString(s.LoginPassword),
			s.Port, s.MirrorName, s.CPULimit, s.RAMLimit, s.Type, s.SystemHarddisk, s.Support, zones,
			s.Sort, s.CreateTime, s.UpdateTime}, nil
	},
	prepare: prepareSystem,
	changed: func(s *SystemFields, now time.Time) {
		if s.autoUpdate {
			s.UpdateTime = apitype.At(now)
		}
	},
}

func checkSystem(s *SystemFields, r *refs) []fieldProblem {
	var out []fieldProblem
	if s.TypeID != 0 && !r.systemTypes[s.TypeID] {
		out = append(out, fieldProblem{"type_id", fmt.Sprintf("unknown system type %d", s.TypeID)})
	}
	zones, msg := parseStrings(s.Lines)
	if msg != "" {
		return out // reported on decode
	}
	for _, g := range zones {
		out = append(out, r.missing("lines", "getzones", "zone", g)...)
	}
	return out
}

// prepareSystem fills the times the row leaves out: create_time is kept
// (now for a new row), update_time is kept unless the row changes.
func prepareSystem(s, old *SystemFields, now time.Time) {
	s.autoUpdate = !s.UpdateTime.Valid
	if old == nil {
		if !s.CreateTime.Valid {
			s.CreateTime = apitype.At(now)
		}
		if !s.UpdateTime.Valid {
			s.UpdateTime = apitype.At(now)
		}
		return
	}
	if !s.CreateTime.Valid {
		s.CreateTime = old.CreateTime
	}
	if !s.UpdateTime.Valid {
		s.UpdateTime = old.UpdateTime
	}
}

func loadSystems(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[SystemFields], error) {
	type sealed struct {
		password []byte
		zones    []string
	}
	return loadRows(ctx, q, `
		SELECT s.id, s.type_id, s.status, s.guid, s.name, s.login_name, s.login_password_enc, s.port,
		       s.mirror_name, s.cpu_limit, s.ram_limit, s.type, s.system_harddisk, s.support,
		       s.zone_guids, s.sort, s.create_time, s.update_time
		FROM systems s ORDER BY s.id`,
		func(s *SystemFields, x *sealed) []any {
			return []any{&s.TypeID, &s.Status, &s.GUID, &s.Name, &s.LoginName, &x.password, &s.Port,
				&s.MirrorName, &s.CPULimit, &s.RAMLimit, &s.Type, &s.SystemHarddisk, &s.Support,
				&x.zones, &s.Sort, &s.CreateTime, &s.UpdateTime}
		},
		func(s *SystemFields, x *sealed) error {
			var err error
			if s.LoginPassword, err = box.OpenString(x.password); err != nil {
				return fmt.Errorf("open login_password: %w", err)
			}
			if x.zones == nil {
				x.zones = []string{}
			}
			b, err := json.Marshal(x.zones)
			s.Lines = string(b)
			return err
		})
}
