package btpanel_test

import (
	"encoding/json"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestTLSSettingsOfTheLine(t *testing.T) {
	t.Parallel()
	cert, caPEM := providertest.SelfSigned(t)
	p := btpanelfake.New(t, btpanelfake.Options{Certificate: &cert})
	providertest.TLSContract(t, caPEM, func(t *testing.T, settings map[string]any) error {
		cfg := map[string]any{"driver": "btpanel", "url": p.URL, "key": p.Key()}
		for k, v := range settings {
			cfg[k] = v
		}
		raw, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		set, err := provider.Open(raw, provider.Deps{})
		if err != nil {
			return err
		}
		_, err = set.Panel.PHPVersions(ctx(t))
		return err
	})
}
