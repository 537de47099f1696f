// Provision a snapshot with the default catalog through the C API (cgo), and print the node
// claims the plan would launch.
//
//	cargo build --release -p karpenter-solver-capi
//	ln -sf libkarpenter_solver.so target/release/libkarpenter_solver.so.0   # its soname
//	cd examples/go
//	CGO_LDFLAGS="-L$PWD/../../target/release -Wl,-rpath,$PWD/../../target/release" \
//	    go run . ../snapshot.yaml
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -lkarpenter_solver
#include "karpenter_solver.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"
)

// Error is a failed call: the C status, the message, and the object and field at fault.
type Error struct {
	Status  uint32
	Message string
	Object  string // Kind/namespace/name, or empty
	Field   string // field path, or empty
}

func (e *Error) Error() string { return e.Message }

// check turns a status into an error, freeing err.
func check(status C.ks_status, err *C.ks_error) error {
	defer C.ks_error_free(err)
	if status == C.KS_OK {
		return nil
	}
	e := &Error{Status: uint32(status), Message: C.GoString(C.ks_status_message(C.uint32_t(status)))}
	if err != nil {
		e.Message = C.GoString(C.ks_error_message(err))
		if o := C.ks_error_object(err); o != nil {
			e.Object = C.GoString(o)
		}
		if f := C.ks_error_field(err); f != nil {
			e.Field = C.GoString(f)
		}
	}
	return e
}

// Catalog is an instance-type catalog; one may serve concurrent Provision calls.
type Catalog struct{ c *C.ks_catalog }

// DefaultCatalog is the embedded EC2 us-east-1 catalog.
func DefaultCatalog() (*Catalog, error) {
	var c *C.ks_catalog
	if err := check(C.ks_catalog_default(&c), nil); err != nil {
		return nil, err
	}
	return &Catalog{c}, nil
}

// Close frees the catalog.
func (c *Catalog) Close() { C.ks_catalog_free(c.c); c.c = nil }

// bytesPtr points at b's bytes, or at a zero byte when b is empty: the C API rejects null.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		b = []byte{0}
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// Provision returns the plan as JSON, the same bytes as `karpenter-solver provision`.
// now, when not nil, fixes the clock (--now).
func Provision(snapshot []byte, catalog *Catalog, now *time.Time) ([]byte, error) {
	options := C.ks_options_default()
	if now != nil {
		options.has_now = true
		options.now_unix = C.int64_t(now.Unix())
	}
	var out C.ks_buffer
	var cerr *C.ks_error
	status := C.ks_provision(bytesPtr(snapshot), C.size_t(len(snapshot)), catalog.c, &options, &out, &cerr)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.ks_buffer_free(&out)
	return C.GoBytes(unsafe.Pointer(out.data), C.int(out.len)), nil
}

// plan is the part of the contract's provision output this example prints.
type plan struct {
	NodeClaims []struct {
		Name          string   `json:"name"`
		NodePool      string   `json:"nodePool"`
		InstanceTypes []string `json:"instanceTypes"`
		Price         float64  `json:"price"`
		Pods          []string `json:"pods"`
	} `json:"nodeClaims"`
	Unschedulable []struct {
		Pod    string `json:"pod"`
		Reason string `json:"reason"`
	} `json:"unschedulable"`
	TotalPrice float64 `json:"totalPrice"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s SNAPSHOT\n", os.Args[0])
		os.Exit(2)
	}
	snapshot, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	catalog, err := DefaultCatalog()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer catalog.Close()

	out, err := Provision(snapshot, catalog, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "provision: %v\n", err)
		if e, ok := err.(*Error); ok && e.Object != "" {
			fmt.Fprintf(os.Stderr, "  object %s, field %s\n", e.Object, e.Field)
		}
		catalog.Close()
		os.Exit(2)
	}
	var p plan
	if err := json.Unmarshal(out, &p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("karpenter-solver %s: %d node claims, $%.4f/h\n", C.GoString(C.ks_version()), len(p.NodeClaims), p.TotalPrice)
	for _, c := range p.NodeClaims {
		types := strings.Join(c.InstanceTypes, ",")
		if len(c.InstanceTypes) > 3 {
			types = fmt.Sprintf("%s (+%d more)", strings.Join(c.InstanceTypes[:3], ","), len(c.InstanceTypes)-3)
		}
		fmt.Printf("claim %s  pool %s  $%.4f/h  pods %s  types %s\n", c.Name, c.NodePool, c.Price, strings.Join(c.Pods, ","), types)
	}
	for _, u := range p.Unschedulable {
		fmt.Printf("unschedulable %s: %s\n", u.Pod, u.Reason)
	}
}
