package database

// The tests do not wait for a panel that is still at work: an attempt that
// finds it busy is retried at once.
func init() { stillRunningWait = 0 }
