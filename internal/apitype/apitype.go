// Package apitype holds the value types of the API's JSON: money as a string
// with exactly two decimals, datetimes as "YYYY-MM-DD HH:MM:SS" in the
// operator's time zone. They scan from and bind to PostgreSQL numeric and
// timestamptz columns, so one type serves the database, the catalogue file
// and the answers.
package apitype

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// Money is an amount of yuan with two decimals. The zero value is 0.00.
type Money struct{ decimal.Decimal }

// NewMoney parses s ("12.50", "3") and returns an error when it is not a
// decimal number or has more than two decimals.
func NewMoney(s string) (Money, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, fmt.Errorf("不是有效的金额")
	}
	if d.Exponent() < -2 && !d.Equal(d.Truncate(2)) {
		return Money{}, fmt.Errorf("最多两位小数")
	}
	return Money{d.Truncate(2)}, nil
}

// MustMoney is NewMoney for literals; it panics on a bad literal.
func MustMoney(s string) Money {
	m, err := NewMoney(s)
	if err != nil {
		panic(fmt.Sprintf("apitype.MustMoney(%q): %v", s, err))
	}
	return m
}

// String returns the amount with exactly two decimals.
func (m Money) String() string { return m.StringFixed(2) }

// MarshalJSON writes the amount as a string with two decimals: "0.50".
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(`"` + m.StringFixed(2) + `"`), nil
}

// UnmarshalJSON takes a string ("12.50") or a number (12.5) and rejects
// anything else, or more than two decimals.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := NewMoney(s)
		if err != nil {
			return err
		}
		*m = v
		return nil
	}
	if bytes.Equal(b, []byte("null")) || len(b) == 0 {
		return errors.New("不是有效的金额")
	}
	v, err := NewMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Scan reads a numeric column.
func (m *Money) Scan(src any) error {
	switch v := src.(type) {
	case string:
		d, err := decimal.NewFromString(v)
		if err != nil {
			return fmt.Errorf("apitype.Money.Scan: %w", err)
		}
		m.Decimal = d
	case []byte:
		return m.Scan(string(v))
	case int64:
		m.Decimal = decimal.NewFromInt(v)
	case float64:
		m.Decimal = decimal.NewFromFloat(v)
	case nil:
		return errors.New("apitype.Money.Scan: NULL")
	default:
		return fmt.Errorf("apitype.Money.Scan: unsupported %T", src)
	}
	return nil
}

// Value binds the amount as a decimal string.
func (m Money) Value() (driver.Value, error) { return m.Decimal.String(), nil }

// DateTimeLayout is the API's datetime format.
const DateTimeLayout = "2006-01-02 15:04:05"

var location atomic.Pointer[time.Location]

func init() {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	location.Store(loc)
}

// SetLocation sets the operator's time zone (ZONKVMD_TZ) for every datetime
// the API writes or reads. The daemon calls it once at start.
func SetLocation(loc *time.Location) { location.Store(loc) }

// Location returns the operator's time zone.
func Location() *time.Location { return location.Load() }

// ParseDateTime reads "YYYY-MM-DD HH:MM:SS" in the operator's time zone.
func ParseDateTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(DateTimeLayout, s, Location())
	if err != nil {
		return time.Time{}, errors.New("时间格式应为 YYYY-MM-DD HH:MM:SS")
	}
	return t, nil
}

// FormatDateTime writes t as "YYYY-MM-DD HH:MM:SS" in the operator's zone.
func FormatDateTime(t time.Time) string { return t.In(Location()).Format(DateTimeLayout) }

// DateTime is a timestamptz that the API shows as "YYYY-MM-DD HH:MM:SS";
// NULL (Valid false) is shown as null.
type DateTime struct {
	Time  time.Time
	Valid bool
}

// At returns a valid DateTime.
func At(t time.Time) DateTime { return DateTime{Time: t, Valid: true} }

// MarshalJSON writes the datetime in the operator's zone, or null.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if !d.Valid {
		return []byte("null"), nil
	}
	return []byte(`"` + FormatDateTime(d.Time) + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD HH:MM:SS" in the operator's zone, or null.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*d = DateTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("时间格式应为 YYYY-MM-DD HH:MM:SS")
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = At(t)
	return nil
}

// Scan reads a timestamptz column.
func (d *DateTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = DateTime{}
	case time.Time:
		*d = At(v)
	default:
		return fmt.Errorf("apitype.DateTime.Scan: unsupported %T", src)
	}
	return nil
}

// Value binds the datetime, or NULL.
func (d DateTime) Value() (driver.Value, error) {
	if !d.Valid {
		return nil, nil
	}
	return d.Time, nil
}
