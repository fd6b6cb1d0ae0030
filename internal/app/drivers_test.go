package app_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestEveryKnownDriverIsLinkedIn(t *testing.T) {
	want := append([]string(nil), provider.Drivers...)
	sort.Strings(want)
	require.Equal(t, want, provider.Registered(),
		"a catalogue may name any of provider.Drivers, so the daemon must have them all")
}
