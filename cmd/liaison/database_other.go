//go:build !unix

package main

import "os"

// fileOwner is empty where files have no owner uid.
func fileOwner(os.FileInfo) string { return "" }
