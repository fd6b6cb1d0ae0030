package btpanelfake

import (
	"encoding/json"
	"regexp"
	"strings"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

var nonWord = regexp.MustCompile(`\W`)

// ftpAddUser is ftp.py AddUser (ftp_username, ftp_password, path, ps, and
// pid when AddSite or the caller links it to a site).
func (p *Panel) ftpAddUser(_ *session, f form) map[string]any {
	user := strings.ReplaceAll(f.Get("ftp_username"), " ", "")
	switch {
	case nonWord.MatchString(user):
		return map[string]any{"status": false, "code": 501, "msg": p.msg(false, "FTP_USERNAME_ERR_T")["msg"]}
	case len(user) < 3:
		return map[string]any{"status": false, "code": 501, "msg": p.msg(false, "FTP_USERNAME_ERR_LEN")["msg"]}
	case !strings.HasPrefix(f.Get("path"), "/") || f.Get("path") == "/":
		return map[string]any{"status": false, "code": 501, "msg": "不能以系统关键目录作为FTP目录!"}
	}
	for _, x := range p.ftps {
		if x.Name == user {
			return p.msg(false, "FTP_USERNAME_ERR_EXISTS", user)
		}
	}
	pass := strings.TrimSpace(f.Get("ftp_password"))
	if len(pass) < 6 {
		return p.msg(false, "FTP密码长度不能少于6位!")
	}
	ps := f.Get("ps")
	if ps == "" {
		ps = p.msg(false, "INPUT_PS")["msg"].(string)
	}
	dir := strings.TrimSpace(f.Get("path"))
	p.mkdirAll(dir)
	p.ftps = append(p.ftps, &FTP{ID: p.next(seqFTP), PID: f.int64("pid"), Name: user, Password: pass,
		Path: dir, PS: ps, Added: now()})
	return p.msg(true, "ADD_SUCCESS")
}

// ftpDeleteUser is ftp.py DeleteUser (id, username).
func (p *Panel) ftpDeleteUser(_ *session, f form) any {
	id := f.int64("id")
	for _, x := range p.ftps {
		if x.ID == id && x.Name == f.Get("username") {
			p.ftps = without(p.ftps, func(y *FTP) bool { return y.ID == id })
			return p.msg(true, "DEL_SUCCESS")
		}
	}
	return p.msg(false, "删除失败")
}

var (
	dbNamePattern = regexp.MustCompile(`^[\w.\-]+$`)
	collations    = map[string]string{"utf8": "utf8_general_ci", "utf8mb4": "utf8mb4_general_ci",
		"gbk": "gbk_chinese_ci", "big5": "big5_chinese_ci"}
	reservedDB = map[string]bool{"root": true, "mysql": true, "test": true, "sys": true, "panel_logs": true}
)

// addDatabase is database.py AddDatabase (name, db_user, password, codeing,
// address, ps, pid). A charset outside its table raises (KeyError).
func (p *Panel) addDatabase(_ *session, f form) any {
	name := strings.ToLower(strings.TrimSpace(f.Get("name")))
	user := strings.TrimSpace(f.Get("db_user"))
	switch {
	case name == "":
		return p.msg(false, "数据库名称不能为空")
	case len(name) > 64:
		return p.msg(false, "数据库名不能大于64位!")
	case user == "":
		return p.msg(false, "数据库用户名不能为空")
	case len(user) > 32:
		return p.msg(false, "Mysql不支持超过32位的用户名！")
	case !dbNamePattern.MatchString(name):
		return p.msg(false, "DATABASE_NAME_ERR_T")
	case !dbNamePattern.MatchString(user):
		return p.msg(false, "用户名不能带特殊字符！")
	case reservedDB[user]:
		return p.msg(false, "数据库用户名不合法!请使用其他用户名!")
	case reservedDB[name]:
		return p.msg(false, "数据库名称不合法!请使用其他数据库名称!")
	}
	pass := f.Get("password")
	if pass == "" {
		pass = randomHex(8)
	}
	for _, d := range p.dbs {
		if d.Username == user {
			return p.msg(false, "数据库用户已存在，请使用其他数据库用户名称！")
		}
	}
	address := strings.TrimSpace(f.Get("address"))
	if address == "" || address == "ip" {
		return p.msg(false, "访问权限为【指定IP】时，需要填写IP地址!")
	}
	code := f.Get("codeing")
	if _, ok := collations[code]; !ok {
		return errInternal("KeyError: '" + code + "'")
	}
	for _, d := range p.dbs {
		if strings.EqualFold(d.Name, name) {
			return p.msg(false, "指定数据库已在MySQL中存在，请换个名称!")
		}
	}
	ps := f.Get("ps")
	if ps == "" {
		ps = p.msg(false, "INPUT_PS")["msg"].(string)
	}
	p.dbs = append(p.dbs, &Database{ID: p.next(seqDB), PID: f.int64("pid"), Name: name, Username: user,
		Password: pass, Accept: address, Charset: code, PS: ps, Added: now()})
	return p.msg(true, "ADD_SUCCESS")
}

// deleteDatabase is database.py DeleteDatabase (id, name).
func (p *Panel) deleteDatabase(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "缺少参数！id")
	}
	if !f.has("name") {
		return p.msg(false, "缺少参数！name")
	}
	id, name := f.int64("id"), f.Get("name")
	for _, d := range p.dbs {
		if d.ID == id && d.Name == name {
			p.dbs = without(p.dbs, func(x *Database) bool { return x.ID == id })
			return p.msg(true, "DEL_SUCCESS")
		}
	}
	return p.msg(false, "数据库["+name+"]不存在")
}
