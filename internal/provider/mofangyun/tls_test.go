package mofangyun_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun/fake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestTLSSettingsOfTheLine(t *testing.T) {
	t.Parallel()
	cert, caPEM := providertest.SelfSigned(t)
	srv := fake.Start(t, fake.Config{Username: user, Password: password, Certificate: &cert})
	id := srv.AddCloud("zonkvmd-server-1")
	providertest.TLSContract(t, caPEM, func(t *testing.T, settings map[string]any) error {
		cfg := map[string]any{"driver": "mofangyun", "url": srv.BaseURL(), "username": user, "password": password}
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
		_, err = set.VM.VMState(ctx(t), strconv.Itoa(id))
		return err
	})
}
