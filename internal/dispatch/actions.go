package dispatch

// documentActions lists every action of zonkvm-api-v2.txt, in its order.
var documentActions = []string{
	// 四、公共查询接口
	"getzones", "getsystems",
	// 五、云服务器
	"getlines", "getproduct", "getserver", "getservers", "create_order",
	"server_start", "server_stop", "server_restart", "server_install",
	"server_upgrade", "server_renew", "server_getvncurl", "server_setpsw",
	"server_setvnc", "get_server_chart", "get_security_policy",
	"server_add_hardpolicy", "server_del_hardpolicy", "server_refund",
	// 六、物理服务器
	"lease_lines", "lease_harddisk", "lease_product", "getlease", "lease_orders",
	"lease_start", "lease_stop", "lease_restart", "lease_install", "lease_setpsw",
	"lease_upgrade", "lease_renew", "lease_getvncurl", "get_lease_chart", "lease_refund",
	// 服务器托管(IDC)
	"idc_lines", "idc_product", "getidc", "idc_orders", "idc_start", "idc_stop",
	"idc_restart", "idc_install", "idc_setpsw", "idc_upgrade", "idc_renew",
	"idc_refund", "idc_getvncurl", "get_idc_chart",
	// 七、虚拟主机
	"hosting_lines", "hosting_product", "gethosting", "hosting_orders",
	"get_php_version", "hosting_get_soft_find", "hosting_operate",
	// 八、云数据库
	"sql_product", "getsql", "sql_orders", "sql_operate",
}

type subDispatch struct {
	param string
	names []string
}

// documentSubs lists the actions that dispatch again on a parameter, with
// every value the document gives.
var documentSubs = map[string]subDispatch{
	"create_order": {param: "obj_type", names: []string{
		"create_server", "create_lease", "create_idc", "create_hosting", "create_database",
	}},
	"hosting_operate": {param: "operate", names: []string{
		"hosting_stop", "hosting_start", "hosting_edit_name", "hosting_edit_pwd",
		"hosting_set_php_version",
		"hosting_get_security", "hosting_set_security",
		"hosting_get_index", "hosting_set_site_status", "hosting_set_site_cc_conf",
		"hosting_set_site_retry", "hosting_get_site_total_list_custom",
		"hosting_get_proxy_list", "hosting_create_proxy", "hosting_modify_proxy",
		"hosting_delete_proxy", "hosting_get_proxy_file",
		"hosting_get_redirect_list", "hosting_create_redirect", "hosting_modify_redirect",
		"hosting_delete_redirect", "hosting_get_redirect_file", "hosting_save_redirect_file",
		"hosting_domain_list", "hosting_add_domain", "hosting_del_domain",
		"hosting_backup_list", "hosting_to_backup", "hosting_del_backup",
		"hosting_get_ssl", "hosting_set_ssl", "hosting_unset_ssl", "hosting_http_to_https",
		"hosting_close_to_https", "hosting_close_ssl_conf", "hosting_get_iis_ssl_bydomain",
		"hosting_get_iis_ssl_file_list", "hosting_set_domain_iis_byfile",
		"hosting_get_dir_binding", "hosting_get_dir_user_ini_switch", "hosting_get_user_ini",
		"hosting_set_dir_user_ini", "hosting_set_run_path", "hosting_get_rewrite_list",
		"hosting_get_file_body", "hosting_save_file_body", "hosting_web_get_index",
		"hosting_web_set_index", "hosting_create_file", "hosting_create_dir",
		"hosting_get_dir_new", "hosting_get_dir_size", "hosting_zip", "hosting_unzip",
		"hosting_delete_file", "hosting_set_batch_data", "hosting_mv_file",
		"hosting_check_exists_files", "hosting_paste_file", "hosting_batch_paste",
		"hosting_upload_files_exists", "hosting_upload",
		"hosting_refund", "hosting_resume_after_renew", "hosting_renew", "hosting_upgrade",
		"hosting_add_database",
	}},
	"sql_operate": {param: "operate", names: []string{
		"sql_edit_name", "sql_reissue", "sql_get_access", "sql_set_access",
		"sql_reset_password", "sql_backup_list", "sql_to_backup", "sql_del_backup",
		"sql_get_backup_size", "sql_input_backup", "sql_get_import_size",
		"sql_refund", "sql_renew", "sql_upgrade",
	}},
}
