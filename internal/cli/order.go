package cli

import "github.com/spf13/cobra"

func (r *runner) orderCmd() *cobra.Command { return group("order", "Orders", "list|show ...") }
func (r *runner) jobCmd() *cobra.Command   { return group("job", "Jobs", "list|retry|cancel ...") }
