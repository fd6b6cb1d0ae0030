package hosting

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow/panelorder"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// linePanel opens the panel driver of the hosting line named by line_guid. A
// missing, disabled or unknown line answers as the document says; a line
// whose driver has no panel answers 暂未开放.
func (s *Service) linePanel(ctx context.Context, req *dispatch.Request) (provider.PanelDriver, error) {
	guid, err := req.Params.RequiredText("line_guid")
	if err != nil {
		return nil, err
	}
	l, err := panelorder.LoadLine(ctx, s.DB, guid, 0)
	if err != nil {
		return nil, err
	}
	if l.Status != 1 {
		return nil, dispatch.ErrLineNotFound
	}
	p, err := s.Engine.Panel(ctx, s.Engine.DB, business, l.ID)
	if err != nil {
		return nil, panelError(err)
	}
	return p, nil
}

// panelError turns a driver's refusal into the API's answer: a driver
// that cannot answer at once (manual) 暂未开放; anything else is internal
// (系统繁忙, logged).
func panelError(err error) error {
	if errors.Is(err, provider.ErrUnsupported) {
		return dispatch.ErrNotOpen
	}
	return err
}

// PHPVersions serves get_php_version (document 七.5): the PHP versions the
// line's panel offers, as [{"name": "PHP 81", "version": "81"}, ...].
func (s *Service) PHPVersions(ctx context.Context, req *dispatch.Request) (any, error) {
	p, err := s.linePanel(ctx, req)
	if err != nil {
		return nil, err
	}
	list, err := p.PHPVersions(ctx)
	if err != nil {
		return nil, panelError(fmt.Errorf("get_php_version: %w", err))
	}
	if list == nil {
		list = []provider.PHPVersion{}
	}
	return list, nil
}

// softName is what a panel's software can be called.
var softName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// SoftFind serves hosting_get_soft_find (document 七.7): the address of a
// tool on the line's panel, such as phpMyAdmin: {"ext": {"url": ...}}.
func (s *Service) SoftFind(ctx context.Context, req *dispatch.Request) (any, error) {
	name, err := req.Params.RequiredText("sNname")
	if err != nil {
		return nil, err
	}
	if !softName.MatchString(name) {
		return nil, dispatch.ParamError("sNname", "格式错误")
	}
	p, err := s.linePanel(ctx, req)
	if err != nil {
		return nil, err
	}
	url, err := p.SoftURL(ctx, name)
	if errors.Is(err, provider.ErrNotFound) {
		return nil, dispatch.ParamError("sNname", "不存在")
	}
	if err != nil {
		return nil, panelError(fmt.Errorf("hosting_get_soft_find %s: %w", name, err))
	}
	return map[string]any{"ext": map[string]string{"url": url}}, nil
}
