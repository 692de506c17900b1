//go:build tools

// Package tools names the command this module builds, so go mod tidy keeps go.sum complete.
package tools

import _ "go.etcd.io/etcd/server/v3"
