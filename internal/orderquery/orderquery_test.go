package orderquery

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

func TestPagesIsTheCeilingOfTotalOverPageSize(t *testing.T) {
	t.Parallel()
	for total, want := range map[int64]int64{0: 0, 1: 1, 99: 1, 100: 1, 101: 2, 200: 2, 201: 3} {
		require.Equal(t, want, Pages(total), "total %d", total)
	}
}

func TestPageDefaultsToOneAndRejectsNonPositiveOrNonIntegers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		params map[string]any
		want   int64
		err    string
	}{
		{params: map[string]any{}, want: 1},
		{params: map[string]any{"page": ""}, want: 1},
		{params: map[string]any{"page": " 3 "}, want: 3},
		{params: map[string]any{"page": json.Number("2")}, want: 2},
		{params: map[string]any{"page": "0"}, err: "参数错误: page 不在可选范围"},
		{params: map[string]any{"page": "-4"}, err: "参数错误: page 不在可选范围"},
		{params: map[string]any{"page": "x"}, err: "参数错误: page 应为整数"},
		{params: map[string]any{"page": "2.0"}, err: "参数错误: page 应为整数"},
		{params: map[string]any{"page": []any{"1"}}, err: "参数错误: page 应为整数"},
	} {
		got, err := Page(dispatch.NewParams(tc.params))
		if tc.err != "" {
			require.EqualError(t, err, tc.err, "%v", tc.params)
			continue
		}
		require.NoError(t, err, "%v", tc.params)
		require.Equal(t, tc.want, got, "%v", tc.params)
	}
}

func TestNewListNeverEncodesNullServers(t *testing.T) {
	t.Parallel()
	b, err := dispatch.Encode(NewList[int](0, nil))
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}
