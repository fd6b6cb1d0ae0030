package ipmi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// classify turns a go-ipmi error into one wrapping provider.ErrRejected
// (the BMC refused us for good: credentials, privilege, a command it does
// not take) or provider.ErrUnavailable (anything that may pass: no answer,
// a refused port, a busy BMC, a garbled reply). The message is go-ipmi's,
// on one line, with the password removed.
func classify(op, addr, password string, err error) error {
	kind := provider.ErrUnavailable
	if rejected(err) {
		kind = provider.ErrRejected
	}
	return fmt.Errorf("ipmi %s %s: %w: %s", op, addr, kind, redact(err, password))
}

// redact renders err on one line without the password (go-ipmi does not
// put it in messages; this makes sure no future version does either).
func redact(err error, password string) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	return msg
}

// rejectedStatus are the RMCP+ session-setup statuses that a retry cannot
// fix: an unknown user, a wrong key, a role or algorithm the BMC refuses.
var rejectedStatus = map[types.RmcpStatusCode]bool{
	types.RmcpStatusCodeInvalidAuthAlg:             true,
	types.RmcpStatusCodeInvalidIntegrityAlg:        true,
	types.RmcpStatusCodeNoMatchingAuthPayload:      true,
	types.RmcpStatusCodeNoMatchingIntegrityPayload: true,
	types.RmcpStatusCodeInvalidRole:                true,
	types.RmcpStatusCodeUnauthorizedRoleOfPriLevel: true,
	types.RmcpStatusCodeInvalidNameLength:          true,
	types.RmcpStatusCodeUnauthorizedName:           true,
	types.RmcpStatusCodeUnauthorizedGUID:           true,
	types.RmcpStatusCodeInvalidIntegrityCheckValue: true,
	types.RmcpStatusCodeInvalidConfidentAlg:        true,
	types.RmcpStatusCodeNoCipherSuiteMatch:         true,
}

// rejectedCompletion are the generic completion codes of a command the BMC
// will never run for us. Busy, timeout and "unspecified" codes are left to
// retry.
var rejectedCompletion = map[types.CompletionCode]bool{
	types.CodeInvalidCommand:           true,
	types.CodeInvalidCommandForLUN:     true,
	types.CodeRequestDataLengthInvalid: true,
	types.CodeParameterOutOfRange:      true,
	types.CodeRequestDataFieldInvalid:  true,
	types.CodeIllegalCommand:           true,
	types.CodeInsufficientPrivilege:    true,
	types.CodeNotSupported:             true,
	types.CodeSubFnDisabled:            true,
}

// rejected reports whether err means the BMC refused the request for good.
// go-ipmi's lanplus Connect joins its per-cipher-suite errors into text, so
// the session-setup failures are also recognised by their messages.
func rejected(err error) bool {
	if errors.Is(err, client.ErrRAKPAuthentication) {
		return true
	}
	var st *types.RmcpStatusError
	if errors.As(err, &st) {
		return rejectedStatus[st.StatusCode()]
	}
	var re *types.ResponseError
	if errors.As(err, &re) {
		return rejectedCompletion[re.CompletionCode()] || sessionSetupRefused(err, re.CompletionCode())
	}
	msg := err.Error()
	if strings.Contains(msg, client.ErrRAKPAuthentication.Error()) {
		return true
	}
	for code := range rejectedStatus {
		if strings.Contains(msg, types.NewRmcpStatusError(code).Error()) {
			return true
		}
	}
	return false
}

// sessionSetupRefused recognises the IPMI v1.5 session commands' own
// completion codes (IPMI v2.0 §22.15, §22.17) for a bad user (Get Session
// Challenge 81h/82h), a privilege above the user's limit (Activate Session
// 86h) and a challenge the BMC would not accept (Activate Session 85h: what
// go-ipmi's BMC answers to a wrong password). BMCs that follow the spec to
// the letter drop a packet with a wrong v1.5 auth code instead, which can
// only look like a timeout (ErrUnavailable); lanplus has no such blind spot.
func sessionSetupRefused(err error, cc types.CompletionCode) bool {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "GetSessionChallenge"):
		return cc == 0x81 || cc == 0x82
	case strings.Contains(msg, "ActivateSession"):
		return cc == 0x85 || cc == 0x86
	}
	return false
}
