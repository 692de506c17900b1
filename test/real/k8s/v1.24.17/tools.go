//go:build tools

// Package tools names the commands this module builds, so go mod tidy keeps their
// dependencies (and go.sum) complete.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
