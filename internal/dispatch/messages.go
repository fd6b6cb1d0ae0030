package dispatch

import (
	"errors"
	"net/http"
	"strings"
)

// Error is an answer for the reseller: code 0 with Msg. Status is the HTTP
// status (200 for every API outcome except throttling and overload).
type Error struct {
	Msg    string
	Status int
}

func (e *Error) Error() string { return e.Msg }

func msg(s string) *Error { return &Error{Msg: s, Status: http.StatusOK} }

// The API's messages: the only texts a reseller ever reads. Everything else
// becomes ErrBusy, with the details in the log.
var (
	ErrMissingParams    = msg("缺少必要参数")
	ErrForbidden        = msg("权限不足")
	ErrBadRequest       = msg("请求错误")
	ErrNotOpen          = msg("暂未开放")
	ErrBusy             = msg("系统繁忙,请稍后再试")
	ErrTooFrequent      = &Error{Msg: "请求过于频繁", Status: http.StatusTooManyRequests}
	ErrOverloaded       = &Error{Msg: "系统繁忙,请稍后再试", Status: http.StatusServiceUnavailable} // too many requests in flight
	ErrBodyTooLarge     = msg("请求体过大")
	ErrLineNotFound     = msg("该线路节点不存在或已下架")
	ErrNoBalance        = msg("余额不足")
	ErrOrderNotFound    = msg("未找到产品记录")
	ErrRefundExpired    = msg("产品超出可退款时间")
	ErrOrderExists      = msg("订单号已存在")
	ErrStatusAbnormal   = msg("业务状态异常")
	ErrOperationRunning = msg("有操作正在进行中")
	ErrOutOfStock       = msg("库存不足")
	ErrCouponUnusable   = msg("优惠券不可用")
	ErrPackageNotFound  = msg("套餐不存在")
	ErrUpgradeHigher    = msg("只能升级到更高配置")
	ErrUpgradeNoChange  = msg("升级后的配置与当前配置相同")
	ErrConfigOffLine    = msg("订单当前配置已不在线路可选范围内,请联系客服")
	ErrIISOnly          = msg("该线路为Linux面板,不支持IIS证书操作")
	ErrBackupsFull      = msg("备份数量已达上限,请先删除旧备份")
	ErrPanelNotFound    = msg("面板上找不到该站点或项目")
	ErrDBBackupsFull    = msg("备份数量已达上限(最多3个),请先删除旧备份")
	ErrDBNameTaken      = msg("面板上同名数据库属于其他用户,请联系客服")
	ErrManualNoReads    = msg("该线路由人工处理,暂不支持在线查询")
	ErrNoPanelDB        = msg("数据库尚未开通")
	ErrNoBundledDB      = msg("该产品不含赠送数据库")
)

// PluginMissing is the answer for a site operation whose panel plugin
// (plugin, named title in the panel) the line's panel has not installed.
func PluginMissing(plugin, title string) *Error {
	return msg("线路面板未安装插件 " + plugin + "(" + title + ")")
}

// PanelRefused is the answer for a change the line's panel refused, with
// the panel's own words (why).
func PanelRefused(why string) *Error { return msg("面板拒绝: " + why) }

// ParamError is the answer for a parameter that is present but invalid:
// "参数错误: <name> <why>", the name spelled as the API spells it.
func ParamError(name, why string) *Error {
	return msg("参数错误: " + name + " " + why)
}

// MissingParam is the answer for a required parameter that is absent:
// "缺少必要参数: <name>".
func MissingParam(name string) *Error {
	return msg(ErrMissingParams.Msg + ": " + name)
}

// MissingOneOf is the answer when none of names, of which a request needs
// at least one, is given: "缺少必要参数: <a> 或 <b>".
func MissingOneOf(names ...string) *Error {
	return MissingParam(strings.Join(names, " 或 "))
}

// asAPIError returns the reseller-facing error inside err, or nil when err
// is internal (and must be hidden behind ErrBusy).
func asAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
