package orderflow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// System is a row of getsystems as orders check it (semantics.md §6).
type System struct {
	ID             int64
	GUID           string
	Status         int
	Type           string // "create,install"
	Support        string // "server,lease,idc"
	ZoneGUIDs      []string
	CPULimit       int
	RAMLimit       int
	SystemHarddisk int
	LoginName      string
	MirrorName     string
	Port           string
}

// LoadSystem reads the system guid; field names the parameter for the
// answer when there is none (参数错误: <field> 不存在).
func LoadSystem(ctx context.Context, q postgres.Querier, field, guid string) (System, error) {
	if guid == "" {
		return System{}, dispatch.MissingParam(field)
	}
	var s System
	err := postgres.QueryRow(ctx, q, `
		SELECT id, guid, status, type, support, zone_guids, cpu_limit, ram_limit, system_harddisk,
		       login_name, mirror_name, port
		FROM systems WHERE guid = $1`, guid).Scan(&s.ID, &s.GUID, &s.Status, &s.Type, &s.Support, &s.ZoneGUIDs,
		&s.CPULimit, &s.RAMLimit, &s.SystemHarddisk, &s.LoginName, &s.MirrorName, &s.Port)
	if errors.Is(err, postgres.ErrNotFound) {
		return System{}, dispatch.ParamError(field, "不存在")
	}
	if err != nil {
		return System{}, fmt.Errorf("orderflow: read system: %w", err)
	}
	return s, nil
}

// Check answers whether the system may serve purpose ("create" or
// "install") for business on a line of zoneGUID with cpu cores and ram GB
// (cpu, ram 0: not checked).
func (s System) Check(field, purpose, business, zoneGUID string, cpu, ram int) error {
	switch {
	case s.Status != 1:
		return dispatch.ParamError(field, "已停用")
	case !inList(s.Type, purpose):
		return dispatch.ParamError(field, "不支持该操作")
	case !inList(s.Support, business):
		return dispatch.ParamError(field, "不支持该业务")
	case !contains(s.ZoneGUIDs, zoneGUID):
		return dispatch.ParamError(field, "不支持该线路")
	case cpu > 0 && cpu < s.CPULimit, ram > 0 && ram < s.RAMLimit:
		return dispatch.ParamError(field, "配置低于系统要求")
	}
	return nil
}

func inList(commaList, v string) bool {
	for _, s := range strings.Split(commaList, ",") {
		if strings.TrimSpace(s) == v {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Password returns the password parameter name of p checked (8 to 32
// characters, at least three of lower case, upper case, digits and
// symbols), or a new random one when absent and generate is true.
func Password(p dispatch.Params, name string, generate bool) (string, error) {
	pw, err := p.Text(name)
	if err != nil {
		return "", err
	}
	if pw == "" {
		if !generate {
			return "", dispatch.MissingParam(p.Name(name))
		}
		return NewPassword(), nil
	}
	if err := CheckPassword(pw); err != nil {
		return "", dispatch.ParamError(p.Name(name), err.Error())
	}
	return pw, nil
}

// CheckPassword explains why a password is too weak, or returns nil.
func CheckPassword(pw string) error {
	if n := len([]rune(pw)); n < 8 || n > 32 {
		return errors.New("长度须为8到32位")
	}
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case r > unicode.MaxASCII || unicode.IsSpace(r) || !unicode.IsPrint(r):
			return errors.New("含有不允许的字符")
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			symbol = 1
		}
	}
	if lower+upper+digit+symbol < 3 {
		return errors.New("须包含大写字母、小写字母、数字、符号中的至少三种")
	}
	return nil
}

const passwordAlphabets = "abcdefghijkmnopqrstuvwxyz|ABCDEFGHJKLMNPQRSTUVWXYZ|23456789|@#%+=_-"

// NewPassword returns a random 16-character password with every class.
func NewPassword() string {
	classes := strings.Split(passwordAlphabets, "|")
	all := strings.Join(classes, "")
	b := make([]byte, 16)
	for i := range b {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		b[i] = set[randInt(len(set))]
	}
	for i := len(b) - 1; i > 0; i-- { // shuffle the guaranteed ones in
		j := randInt(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(fmt.Sprintf("orderflow: crypto/rand failed: %v", err))
	}
	return int(v.Int64())
}
