package jobs

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRiverLinesGoToTheDaemonsLogger(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	l := newSlogLogger(zap.New(core), slog.LevelWarn)
	l.Info("River client started") // below the minimum
	l.With("client_id", "c1").WithGroup("job").Warn("soft stop timeout", "id", 7, "err", errors.New("boom"))
	all := logs.All()
	require.Len(t, all, 1)
	require.Equal(t, "soft stop timeout", all[0].Message)
	require.Equal(t, zapcore.WarnLevel, all[0].Level)
	require.Equal(t, "river", all[0].LoggerName)
	m := all[0].ContextMap()
	require.Equal(t, "c1", m["client_id"])
	require.EqualValues(t, 7, m["job.id"])
	require.Contains(t, m, "job.err")
}
