package idc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/catalog"
)

// Racked delivers a colocation order whose machine staff have racked: the
// result of its provisioning task (`zonkvmd task done ID --ip ... --cabinet
// ... --bmc-host ...`: keys ip (comma-separated), cabinet_sn, bmc_host,
// bmc_port, bmc_username, bmc_password_enc (base64 of the sealed password))
// becomes the order's addresses, cabinet and BMC, and the order 正常 from
// now. It runs in the task's transaction; an order no longer 开通中 (refunded
// meanwhile) is left alone. It returns an error for a result without an IP
// or with a damaged field, which leaves the task open.
func Racked(ctx context.Context, tx pgx.Tx, orderID int64, result map[string]string, now time.Time) error {
	if strings.TrimSpace(result["ip"]) == "" {
		return fmt.Errorf("idc order %d: racking a colocated machine needs its address (--ip)", orderID)
	}
	ipJSON, err := ipList(result["ip"])
	if err != nil {
		return err
	}
	port := 623
	if p := result["bmc_port"]; p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("idc order %d: bmc_port %q: %w", orderID, p, err)
		}
	}
	var password []byte
	if enc := result["bmc_password_enc"]; enc != "" {
		if password, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return fmt.Errorf("idc order %d: bmc password: %w", orderID, err)
		}
	}
	_, err = tx.Exec(ctx, `
		UPDATE idc_orders SET ip = $2, cabinet_sn = $3, bmc_host = $4, bmc_port = $5, bmc_username = $6,
			bmc_password_enc = COALESCE($7, bmc_password_enc), order_status = 1, run_status = 1, act_status = 0,
			start_time = $8, updated_at = now()
		WHERE id = $1 AND order_status = 0`,
		orderID, ipJSON, result["cabinet_sn"], result["bmc_host"], port, result["bmc_username"], password, now)
	if err != nil {
		return fmt.Errorf("idc order %d: racked: %w", orderID, err)
	}
	return nil
}

// Readdressed gives colocation order id the addresses staff gave when they
// closed its resize task (`zonkvmd task done ID --ip a,b,c`, after an
// upgrade that changed ipnum). It runs in the task's transaction and
// returns the database's error.
func Readdressed(ctx context.Context, tx pgx.Tx, orderID int64, commaList string) error {
	ipJSON, err := ipList(commaList)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE idc_orders SET ip = $2, updated_at = now() WHERE id = $1`,
		orderID, ipJSON); err != nil {
		return fmt.Errorf("idc order %d: readdressed: %w", orderID, err)
	}
	return nil
}

// ipList is the ip JSON of getidc for a comma-separated list of addresses.
func ipList(commaList string) (string, error) {
	var ips []catalog.MachineIP
	for _, ip := range strings.Split(commaList, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, catalog.MachineIP{IP: ip})
		}
	}
	b, err := json.Marshal(ips)
	return string(b), err
}
