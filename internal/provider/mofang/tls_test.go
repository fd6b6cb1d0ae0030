package mofang_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofang/fake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestTLSSettingsOfTheLine(t *testing.T) {
	t.Parallel()
	cert, caPEM := providertest.SelfSigned(t)
	srv := fake.Start(t, fake.Config{Username: user, Password: password, Certificate: &cert})
	m := provider.Machine{ID: strconv.Itoa(srv.AddMachine(3)), Ref: "zonkvmd-lease-7"}
	providertest.TLSContract(t, caPEM, func(t *testing.T, settings map[string]any) error {
		cfg := map[string]any{"driver": "mofang", "url": srv.BaseURL(), "username": user, "password": password}
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
		_, err = set.BareMetal.MachineState(ctx(t), m)
		return err
	})
}
