package apitype

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMoneyIsATwoDecimalString(t *testing.T) {
	for in, want := range map[string]string{"0.5": `"0.50"`, "3": `"3.00"`, "-24.5": `"-24.50"`, "1000000.01": `"1000000.01"`} {
		b, err := json.Marshal(MustMoney(in))
		require.NoError(t, err)
		require.Equal(t, want, string(b), in)
	}
}

func TestMoneyRefusesMoreThanTwoDecimals(t *testing.T) {
	for _, in := range []string{`"1.005"`, `"abc"`, `null`, `""`, `1.234`} {
		var m Money
		require.Error(t, json.Unmarshal([]byte(in), &m), in)
	}
	var m Money
	require.NoError(t, json.Unmarshal([]byte(`"12.50"`), &m))
	require.Equal(t, "12.50", m.String())
	require.NoError(t, json.Unmarshal([]byte(`12.5`), &m))
	require.Equal(t, "12.50", m.String())
	require.NoError(t, json.Unmarshal([]byte(`"1.500"`), &m), "trailing zeros are not extra precision")
	require.Equal(t, "1.50", m.String())
}

func TestDateTimeUsesTheOperatorsZone(t *testing.T) {
	utc := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	b, err := json.Marshal(At(utc))
	require.NoError(t, err)
	require.Equal(t, `"2025-01-01 10:00:00"`, string(b), "Asia/Shanghai is UTC+8")
	b, err = json.Marshal(DateTime{})
	require.NoError(t, err)
	require.Equal(t, `null`, string(b))

	var d DateTime
	require.NoError(t, json.Unmarshal([]byte(`"2025-01-01 10:00:00"`), &d))
	require.True(t, d.Time.Equal(utc))
	require.Error(t, json.Unmarshal([]byte(`"2025-01-01T10:00:00Z"`), &d))
}
