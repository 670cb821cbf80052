//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// fileOwner is ", owner uid N" for fi, for messages about permissions.
func fileOwner(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf(", owner uid %d", st.Uid)
	}
	return ""
}
