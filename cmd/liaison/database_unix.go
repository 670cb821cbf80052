//go:build unix

package main

import (
	"os"
	"syscall"
)

// fileOwner is the uid that owns fi, for messages about permissions.
func fileOwner(fi os.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), true
	}
	return 0, false
}
