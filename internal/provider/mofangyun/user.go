package mofangyun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// defaultUserPrefix starts the name of the 魔方云 user of a reseller when
// the line sets no user_prefix.
const defaultUserPrefix = "zonkvmd"

// userID returns the id of the 魔方云 user that owns the clouds of owner
// (the reseller), creating it first as ZJMF does before every create
// (ZJMF-CBAP 10.4.6 mf_cloud/model/HostLinkModel.php createAccount
// L785-815: POST user {username: <user_prefix><client id>, email, status 1,
// real_name, password: random}, its answer ignored, then POST user/check
// {username} → {id}, sent as client). Ids are remembered per owner. It
// returns ErrRejected for a user the provider will not show,
// ErrUnavailable when the provider fails.
func (d *Driver) userID(ctx context.Context, owner string) (ID, error) {
	d.mu.Lock()
	id, ok := d.users[owner]
	d.mu.Unlock()
	if ok {
		return id, nil
	}
	username := d.userPrefix + owner
	err := d.c.call(ctx, http.MethodPost, "user", form{
		"username": username, "email": "", "status": 1, "real_name": username, "password": randomPassword(),
	}, nil)
	if err != nil && !errors.Is(err, provider.ErrRejected) { // refused: most likely it exists already
		return "", fmt.Errorf("mofangyun user %s: %w", username, err)
	}
	var res struct {
		ID num `json:"id"`
	}
	if err := d.c.call(ctx, http.MethodPost, "user/check", form{"username": username}, &res); err != nil {
		return "", fmt.Errorf("mofangyun user %s: %w", username, err)
	}
	if res.ID <= 0 {
		return "", fmt.Errorf("mofangyun user %s: %w: user/check answered no id", username, provider.ErrUnavailable)
	}
	id = ID(res.ID.idString())
	d.mu.Lock()
	d.users[owner] = id
	d.mu.Unlock()
	return id, nil
}

// randomPassword is the login password of a new 魔方云 user: nobody logs
// in with it (ZJMF uses rand_str() likewise).
func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Zk" + hex.EncodeToString(b)
}
