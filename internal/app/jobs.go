package app

import "github.com/zonkvm/zonkvmd/internal/jobs"

// jobs are the job handlers of every business, for the job runner.
func (s services) jobs() jobs.Handlers {
	return jobs.Merge(s.server.Jobs(), s.lease.Jobs(), s.idc.Jobs(), s.hosting.Jobs(), s.database.Jobs())
}
