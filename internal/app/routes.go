package app

import (
	"context"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// routes is the route table: every action and sub-operation of the API
// document (zonkvm-api-v2.txt), by its literal name and in the document's
// order, beside the function that serves it. An entry without a function
// answers 暂未开放. This is the one place an action's name is written: to
// find an action's code, search for its name here.
func (s services) routes() []dispatch.Route {
	db, e := s.db, s.engine
	lm, lo := s.lease.Money(), s.lease.Operations()
	im, io := s.idc.Money(), s.idc.Operations()
	site, file := s.hosting.OnSite, s.hosting.FileOp
	return []dispatch.Route{
		// 四、公共查询接口
		{Action: "getzones", Handler: read(db, catalog.ListZones)},
		{Action: "getsystems", Handler: read(db, catalog.ListSystems)},

		// 五、云服务器
		{Action: "getlines", Handler: read(db, catalog.ListServerLines)},
		{Action: "getproduct", Handler: read(db, catalog.ListServerPackages)},
		{Action: "getserver", Handler: s.server.Get},
		{Action: "getservers", Handler: s.server.List},
		{Action: "create_order", SubParam: "obj_type"},
		{Action: "create_order", Sub: "create_server", Handler: e.Replayable(s.server.Create)},
		{Action: "create_order", Sub: "create_lease", Handler: e.Replayable(s.lease.Create)},
		{Action: "create_order", Sub: "create_idc", Handler: e.Replayable(s.idc.Create)},
		{Action: "create_order", Sub: "create_hosting", Handler: e.Replayable(s.hosting.Create)},
		{Action: "create_order", Sub: "create_database", Handler: e.Replayable(s.database.Create)},
		{Action: "server_start", Handler: s.server.Start},
		{Action: "server_stop", Handler: s.server.Stop},
		{Action: "server_restart", Handler: s.server.Restart},
		{Action: "server_install", Handler: s.server.Install},
		{Action: "server_upgrade", Handler: s.server.Upgrade},
		{Action: "server_renew", Handler: s.server.Renew},
		{Action: "server_getvncurl", Handler: s.server.Console},
		{Action: "server_setpsw", Handler: s.server.SetPassword},
		{Action: "server_setvnc", Handler: s.server.SetVNCPassword},
		{Action: "get_server_chart", Handler: s.server.Chart},
		{Action: "get_security_policy", Handler: s.server.Policies},
		{Action: "server_add_hardpolicy", Handler: s.server.AddPolicy},
		{Action: "server_del_hardpolicy", Handler: s.server.DeletePolicy},
		{Action: "server_refund", Handler: s.server.Refund},

		// 六、物理服务器
		{Action: "lease_lines", Handler: read(db, catalog.ListLeaseLines)},
		{Action: "lease_harddisk", Handler: read(db, catalog.ListLeaseHarddisks)},
		{Action: "lease_product", Handler: read(db, catalog.ListLeaseProducts)},
		{Action: "getlease", Handler: s.lease.Get},
		{Action: "lease_orders", Handler: s.lease.List},
		{Action: "lease_start", Handler: lo.Start},
		{Action: "lease_stop", Handler: lo.Stop},
		{Action: "lease_restart", Handler: lo.Restart},
		{Action: "lease_install", Handler: lo.Install},
		{Action: "lease_setpsw", Handler: lo.SetPassword},
		{Action: "lease_upgrade", Handler: lm.Upgrade},
		{Action: "lease_renew", Handler: lm.Renew},
		{Action: "lease_getvncurl", Handler: lo.Console},
		{Action: "get_lease_chart", Handler: lo.Chart},
		{Action: "lease_refund", Handler: lm.Refund},

		// 服务器托管(IDC)
		{Action: "idc_lines", Handler: read(db, catalog.ListIDCLines)},
		{Action: "idc_product", Handler: read(db, catalog.ListIDCProducts)},
		{Action: "getidc", Handler: s.idc.Get},
		{Action: "idc_orders", Handler: s.idc.List},
		{Action: "idc_start", Handler: io.Start},
		{Action: "idc_stop", Handler: io.Stop},
		{Action: "idc_restart", Handler: io.Restart},
		{Action: "idc_install", Handler: io.Install},
		{Action: "idc_setpsw", Handler: io.SetPassword},
		{Action: "idc_upgrade", Handler: im.Upgrade},
		{Action: "idc_renew", Handler: im.Renew},
		{Action: "idc_refund", Handler: im.Refund},
		{Action: "idc_getvncurl", Handler: io.Console},
		{Action: "get_idc_chart", Handler: io.Chart},

		// 七、虚拟主机
		{Action: "hosting_lines", Handler: read(db, catalog.ListHostingLines)},
		{Action: "hosting_product", Handler: read(db, catalog.ListHostingProducts)},
		{Action: "gethosting", Handler: s.hosting.Get},
		{Action: "hosting_orders", Handler: s.hosting.List},
		{Action: "get_php_version", Handler: s.hosting.PHPVersions},
		{Action: "hosting_get_soft_find", Handler: s.hosting.SoftFind},
		{Action: "hosting_operate", SubParam: "operate"},
		{Action: "hosting_operate", Sub: "hosting_stop", Handler: site(s.hosting.SiteStop)},
		{Action: "hosting_operate", Sub: "hosting_start", Handler: site(s.hosting.SiteStart)},
		{Action: "hosting_operate", Sub: "hosting_edit_name", Handler: s.hosting.EditName},
		{Action: "hosting_operate", Sub: "hosting_edit_pwd", Handler: site(s.hosting.EditPassword)},
		{Action: "hosting_operate", Sub: "hosting_set_php_version", Handler: site(s.hosting.SetPHPVersion)},
		{Action: "hosting_operate", Sub: "hosting_get_security", Handler: site(hosting.GetSecurity)},
		{Action: "hosting_operate", Sub: "hosting_set_security", Handler: site(hosting.SetSecurity)},
		{Action: "hosting_operate", Sub: "hosting_get_index", Handler: site(hosting.GetIndex)},
		{Action: "hosting_operate", Sub: "hosting_set_site_status", Handler: site(hosting.SetSiteStatus)},
		{Action: "hosting_operate", Sub: "hosting_set_site_cc_conf", Handler: site(hosting.SetCCConf)},
		{Action: "hosting_operate", Sub: "hosting_set_site_retry", Handler: site(hosting.SetRetry)},
		{Action: "hosting_operate", Sub: "hosting_get_site_total_list_custom", Handler: site(hosting.SiteTotals)},
		{Action: "hosting_operate", Sub: "hosting_get_proxy_list", Handler: site(hosting.ProxyList)},
		{Action: "hosting_operate", Sub: "hosting_create_proxy", Handler: site(hosting.CreateProxy)},
		{Action: "hosting_operate", Sub: "hosting_modify_proxy", Handler: site(hosting.ModifyProxy)},
		{Action: "hosting_operate", Sub: "hosting_delete_proxy", Handler: site(hosting.DeleteProxy)},
		{Action: "hosting_operate", Sub: "hosting_get_proxy_file", Handler: site(hosting.ProxyFile)},
		{Action: "hosting_operate", Sub: "hosting_get_redirect_list", Handler: site(hosting.RedirectList)},
		{Action: "hosting_operate", Sub: "hosting_create_redirect", Handler: site(hosting.CreateRedirect)},
		{Action: "hosting_operate", Sub: "hosting_modify_redirect", Handler: site(hosting.ModifyRedirect)},
		{Action: "hosting_operate", Sub: "hosting_delete_redirect", Handler: site(hosting.DeleteRedirect)},
		{Action: "hosting_operate", Sub: "hosting_get_redirect_file", Handler: site(hosting.RedirectFile)},
		{Action: "hosting_operate", Sub: "hosting_save_redirect_file", Handler: site(hosting.SaveRedirectFile)},
		{Action: "hosting_operate", Sub: "hosting_domain_list", Handler: site(hosting.DomainList)},
		{Action: "hosting_operate", Sub: "hosting_add_domain", Handler: site(s.hosting.AddDomain)},
		{Action: "hosting_operate", Sub: "hosting_del_domain", Handler: site(hosting.DelDomain)},
		{Action: "hosting_operate", Sub: "hosting_backup_list", Handler: site(hosting.BackupList)},
		{Action: "hosting_operate", Sub: "hosting_to_backup", Handler: site(s.hosting.ToBackup)},
		{Action: "hosting_operate", Sub: "hosting_del_backup", Handler: site(hosting.DelBackup)},
		{Action: "hosting_operate", Sub: "hosting_get_ssl", Handler: site(hosting.GetSSL)},
		{Action: "hosting_operate", Sub: "hosting_set_ssl", Handler: site(hosting.SetSSL)},
		{Action: "hosting_operate", Sub: "hosting_unset_ssl", Handler: site(hosting.UnsetSSL)},
		{Action: "hosting_operate", Sub: "hosting_http_to_https", Handler: site(hosting.HTTPToHTTPS)},
		{Action: "hosting_operate", Sub: "hosting_close_to_https", Handler: site(hosting.CloseToHTTPS)},
		{Action: "hosting_operate", Sub: "hosting_close_ssl_conf", Handler: site(hosting.CloseSSLConf)},
		{Action: "hosting_operate", Sub: "hosting_get_iis_ssl_bydomain", Handler: site(hosting.IISOnly)},
		{Action: "hosting_operate", Sub: "hosting_get_iis_ssl_file_list", Handler: site(hosting.IISOnly)},
		{Action: "hosting_operate", Sub: "hosting_set_domain_iis_byfile", Handler: site(hosting.IISOnly)},
		{Action: "hosting_operate", Sub: "hosting_get_dir_binding", Handler: site(hosting.GetDirBinding)},
		{Action: "hosting_operate", Sub: "hosting_get_dir_user_ini_switch", Handler: site(hosting.UserINISwitch)},
		{Action: "hosting_operate", Sub: "hosting_get_user_ini", Handler: site(hosting.UserINI)},
		{Action: "hosting_operate", Sub: "hosting_set_dir_user_ini", Handler: site(hosting.SetUserINI)},
		{Action: "hosting_operate", Sub: "hosting_set_run_path", Handler: site(hosting.SetRunPath)},
		{Action: "hosting_operate", Sub: "hosting_get_rewrite_list", Handler: site(hosting.RewriteList)},
		{Action: "hosting_operate", Sub: "hosting_get_file_body", Handler: file(hosting.GetFileBody)},
		{Action: "hosting_operate", Sub: "hosting_save_file_body", Handler: file(hosting.SaveFileBody)},
		{Action: "hosting_operate", Sub: "hosting_web_get_index", Handler: site(hosting.WebIndex)},
		{Action: "hosting_operate", Sub: "hosting_web_set_index", Handler: site(hosting.SetWebIndex)},
		{Action: "hosting_operate", Sub: "hosting_create_file", Handler: file(hosting.CreateFile)},
		{Action: "hosting_operate", Sub: "hosting_create_dir", Handler: file(hosting.CreateDir)},
		{Action: "hosting_operate", Sub: "hosting_get_dir_new", Handler: file(hosting.GetDirNew)},
		{Action: "hosting_operate", Sub: "hosting_get_dir_size", Handler: file(hosting.GetDirSize)},
		{Action: "hosting_operate", Sub: "hosting_zip", Handler: file(hosting.ZipFiles)},
		{Action: "hosting_operate", Sub: "hosting_unzip", Handler: file(hosting.UnzipFile)},
		{Action: "hosting_operate", Sub: "hosting_delete_file", Handler: file(hosting.DeleteFile)},
		{Action: "hosting_operate", Sub: "hosting_set_batch_data", Handler: file(s.hosting.SetBatchData)},
		{Action: "hosting_operate", Sub: "hosting_mv_file", Handler: file(hosting.MoveFile)},
		{Action: "hosting_operate", Sub: "hosting_check_exists_files", Handler: file(s.hosting.CheckExistsFiles)},
		{Action: "hosting_operate", Sub: "hosting_paste_file", Handler: file(hosting.PasteFile)},
		{Action: "hosting_operate", Sub: "hosting_batch_paste", Handler: file(s.hosting.BatchPaste)},
		{Action: "hosting_operate", Sub: "hosting_upload_files_exists", Handler: file(hosting.UploadFilesExists)},
		{Action: "hosting_operate", Sub: "hosting_upload", Handler: file(hosting.Upload)},
		{Action: "hosting_operate", Sub: "hosting_refund", Handler: s.hosting.Refund},
		{Action: "hosting_operate", Sub: "hosting_resume_after_renew", Handler: s.hosting.ResumeAfterRenew},
		{Action: "hosting_operate", Sub: "hosting_renew", Handler: s.hosting.Renew},
		{Action: "hosting_operate", Sub: "hosting_upgrade", Handler: s.hosting.Upgrade},
		{Action: "hosting_operate", Sub: "hosting_add_database", Handler: s.hosting.AddDatabase},

		// 八、云数据库
		{Action: "sql_product", Handler: read(db, catalog.ListSQLProducts)},
		{Action: "getsql", Handler: s.database.Get},
		{Action: "sql_orders", Handler: s.database.List},
		{Action: "sql_operate", SubParam: "operate"},
		{Action: "sql_operate", Sub: "sql_edit_name", Handler: s.database.EditName},
		{Action: "sql_operate", Sub: "sql_reissue", Handler: s.database.Reissue},
		{Action: "sql_operate", Sub: "sql_get_access", Handler: s.database.GetAccess},
		{Action: "sql_operate", Sub: "sql_set_access", Handler: s.database.SetAccess},
		{Action: "sql_operate", Sub: "sql_reset_password", Handler: s.database.ResetPassword},
		{Action: "sql_operate", Sub: "sql_backup_list", Handler: s.database.BackupList},
		{Action: "sql_operate", Sub: "sql_to_backup", Handler: s.database.ToBackup},
		{Action: "sql_operate", Sub: "sql_del_backup", Handler: s.database.DelBackup},
		{Action: "sql_operate", Sub: "sql_get_backup_size", Handler: s.database.BackupSize},
		{Action: "sql_operate", Sub: "sql_input_backup", Handler: s.database.InputBackup},
		{Action: "sql_operate", Sub: "sql_get_import_size", Handler: s.database.ImportSize},
		{Action: "sql_operate", Sub: "sql_refund", Handler: s.database.Refund},
		{Action: "sql_operate", Sub: "sql_renew", Handler: s.database.Renew},
		{Action: "sql_operate", Sub: "sql_upgrade", Handler: s.database.Upgrade},
	}
}

// read serves a catalogue action: the rows list returns, [] for none.
func read[T any](db *postgres.DB, list func(context.Context, postgres.Querier) ([]T, error)) dispatch.HandlerFunc {
	return func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return list(ctx, db)
	}
}

// RefundCall is the API call with which a reseller refunds order id of
// business (orderflow.Business.Name): the operator's refund (zonkvmd order
// refund) runs the very same code through the table.
func RefundCall(business string, id int64) dispatch.Params {
	guid := strconv.FormatInt(id, 10)
	switch business {
	case orderflow.Hosting.Name:
		return dispatch.NewParams(map[string]any{"action": "hosting_operate", "operate": "hosting_refund", "guid": guid})
	case orderflow.SQL.Name:
		return dispatch.NewParams(map[string]any{"action": "sql_operate", "operate": "sql_refund", "guid": guid})
	case orderflow.Lease.Name:
		return dispatch.NewParams(map[string]any{"action": "lease_refund", "guid": guid})
	case orderflow.IDC.Name:
		return dispatch.NewParams(map[string]any{"action": "idc_refund", "guid": guid})
	}
	return dispatch.NewParams(map[string]any{"action": "server_refund", "guid": guid})
}
