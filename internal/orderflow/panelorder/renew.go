package panelorder

import (
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// maxRenewMonths bounds one renewal, as create_order bounds a purchase.
const maxRenewMonths = 120

// RenewTo reads the period of hosting_renew / sql_renew (billing.md §4):
// newEndTimeStr (required, "Y-m-d H:i:s" in the operator's zone) and
// renewLength (optional, months). Without renewLength the months are those
// that take end exactly to newEndTimeStr (periods end on the anchor day of
// buyTime); with it, newEndTimeStr must be end plus renewLength months.
// Times are compared to the second, as newEndTimeStr is written. The
// months must be in the product's list. It returns the months and the new
// end_time, or 缺少必要参数: newEndTimeStr, 参数错误: newEndTimeStr <why>, or
// 参数错误: renewLength <why>.
func RenewTo(p dispatch.Params, buyTime, end time.Time, product Product) (int, time.Time, error) {
	const field = "newEndTimeStr"
	text, err := p.RequiredText(field)
	if err != nil {
		return 0, time.Time{}, err
	}
	want, err := apitype.ParseDateTime(strings.TrimSpace(text))
	if err != nil {
		return 0, time.Time{}, dispatch.ParamError(field, "格式应为Y-m-d H:i:s")
	}
	from := end.Truncate(time.Second)
	if !want.After(from) {
		return 0, time.Time{}, dispatch.ParamError(field, "须晚于当前到期时间")
	}
	length, err := p.Text("renewLength")
	if err != nil {
		return 0, time.Time{}, err
	}
	months, name := 0, field
	if strings.TrimSpace(length) != "" {
		n, err := p.IntIn("renewLength", 1, 1, maxRenewMonths)
		if err != nil {
			return 0, time.Time{}, err
		}
		if !orderflow.Extend(buyTime, from, int(n)).Equal(want) {
			return 0, time.Time{}, dispatch.ParamError(field, "与renewLength不符")
		}
		months, name = int(n), "renewLength"
	} else {
		n, ok := pricing.MonthsTo(from.In(apitype.Location()), want, orderflow.AnchorDay(buyTime), maxRenewMonths)
		if !ok {
			return 0, time.Time{}, dispatch.ParamError(field, "须为当前到期时间加整月数")
		}
		months = n
	}
	if err := product.CheckMonths(months, name); err != nil {
		return 0, time.Time{}, err
	}
	return months, orderflow.Extend(buyTime, end, months), nil
}
