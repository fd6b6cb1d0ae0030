package jobs

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapHandler is a slog.Handler writing to a zap logger, so that River's own
// lines are the daemon's JSON lines (River's default writes text to stdout).
// Records below min are dropped.
type zapHandler struct {
	log    *zap.Logger
	min    slog.Level
	prefix string // the open groups, "a.b."
}

func newSlogLogger(log *zap.Logger, min slog.Level) *slog.Logger {
	return slog.New(&zapHandler{log: log.Named("river"), min: min})
}

func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l >= slog.LevelError:
		return zapcore.ErrorLevel
	case l >= slog.LevelWarn:
		return zapcore.WarnLevel
	case l >= slog.LevelInfo:
		return zapcore.InfoLevel
	}
	return zapcore.DebugLevel
}

func (h *zapHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.min && h.log.Core().Enabled(zapLevel(l))
}

func (h *zapHandler) Handle(_ context.Context, r slog.Record) error {
	fields := make([]zap.Field, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		fields = h.appendAttr(fields, h.prefix, a)
		return true
	})
	if ce := h.log.Check(zapLevel(r.Level), r.Message); ce != nil {
		ce.Write(fields...)
	}
	return nil
}

func (h *zapHandler) appendAttr(fields []zap.Field, prefix string, a slog.Attr) []zap.Field {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			fields = h.appendAttr(fields, prefix+a.Key+".", g)
		}
		return fields
	}
	return append(fields, zap.Any(prefix+a.Key, v.Any()))
}

func (h *zapHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	fields := make([]zap.Field, 0, len(attrs))
	for _, a := range attrs {
		fields = h.appendAttr(fields, h.prefix, a)
	}
	return &zapHandler{log: h.log.With(fields...), min: h.min, prefix: h.prefix}
}

func (h *zapHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &zapHandler{log: h.log, min: h.min, prefix: h.prefix + name + "."}
}
