// SPDX-License-Identifier: Apache-2.0
//
// karpenter_solver.hpp: a header-only C++17 wrapper over karpenter_solver.h. It owns the C
// handles (RAII, move-only) and turns failures into karpenter_solver::Error exceptions.
//
//   auto catalog = karpenter_solver::Catalog::aws_default();
//   std::string plan = karpenter_solver::provision(snapshot_yaml, catalog);
//   std::string moves = karpenter_solver::consolidate(snapshot_yaml, catalog);
//
// Thread safety is the C API's: a Catalog may be shared by concurrent provision() and
// consolidate() calls.
#ifndef KARPENTER_SOLVER_HPP
#define KARPENTER_SOLVER_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "karpenter_solver.h"

namespace karpenter_solver {

/// A failed call: the C status, the message, and the object and field at fault (empty when
/// the error names none).
class Error : public std::runtime_error {
 public:
  Error(ks_status status, std::string message, std::string object, std::string field)
      : std::runtime_error(std::move(message)),
        status_(status),
        object_(std::move(object)),
        field_(std::move(field)) {}

  ks_status status() const noexcept { return status_; }
  /// `Kind/namespace/name`, or empty.
  const std::string& object() const noexcept { return object_; }
  /// The field path, or empty.
  const std::string& field() const noexcept { return field_; }

 private:
  ks_status status_;
  std::string object_;
  std::string field_;
};

namespace detail {

struct ErrorDeleter {
  void operator()(ks_error* err) const noexcept { ks_error_free(err); }
};
struct CatalogDeleter {
  void operator()(ks_catalog* catalog) const noexcept { ks_catalog_free(catalog); }
};

inline std::string or_empty(const char* text) { return text != nullptr ? text : ""; }

/// Throws Error for a failed status, taking ownership of `err`.
inline void check(ks_status status, ks_error* err) {
  std::unique_ptr<ks_error, ErrorDeleter> owned(err);
  if (status == KS_OK) return;
  std::string message = err != nullptr ? ks_error_message(err) : ks_status_message(status);
  throw Error(status, std::move(message), or_empty(ks_error_object(err)),
              or_empty(ks_error_field(err)));
}

inline const std::uint8_t* bytes(std::string_view text) {
  // A non-null pointer even for an empty view: the C API rejects null.
  static const std::uint8_t empty = 0;
  return text.empty() ? &empty : reinterpret_cast<const std::uint8_t*>(text.data());
}

}  // namespace detail

/// The library's version, such as "0.1.0".
inline std::string version() { return ks_version(); }

/// An instance-type catalog. Move-only; frees itself.
class Catalog {
 public:
  /// The embedded EC2 us-east-1 catalog, the command line's default.
  static Catalog aws_default() {
    ks_catalog* out = nullptr;
    detail::check(ks_catalog_default(&out), nullptr);
    return Catalog(out);
  }

  /// Parses a YAML or JSON list of instance types. Throws Error when it is invalid.
  static Catalog from_bytes(std::string_view text) {
    ks_catalog* out = nullptr;
    ks_error* err = nullptr;
    ks_status status = ks_catalog_from_bytes(detail::bytes(text), text.size(), &out, &err);
    detail::check(status, err);
    return Catalog(out);
  }

  const ks_catalog* get() const noexcept { return handle_.get(); }

 private:
  explicit Catalog(ks_catalog* handle) : handle_(handle) {}
  std::unique_ptr<ks_catalog, detail::CatalogDeleter> handle_;
};

/// Options for provision() and consolidate(); the defaults are the command line's without
/// flags.
struct Options {
  /// The clock, in seconds since the Unix epoch (the command line's --now).
  std::optional<std::int64_t> now_unix;
};

namespace detail {

/// The C signature ks_provision and ks_consolidate share.
using Verb = ks_status (*)(const std::uint8_t*, std::size_t, const ks_catalog*,
                           const ks_options*, ks_buffer*, ks_error**);

/// Calls `verb` and returns its JSON, or throws Error.
inline std::string solve(Verb verb, std::string_view snapshot, const Catalog& catalog,
                         const Options& options) {
  ks_options c_options = ks_options_default();
  if (options.now_unix) {
    c_options.has_now = true;
    c_options.now_unix = *options.now_unix;
  }
  ks_buffer out{};
  ks_error* err = nullptr;
  ks_status status =
      verb(detail::bytes(snapshot), snapshot.size(), catalog.get(), &c_options, &out, &err);
  detail::check(status, err);
  std::string json;
  try {
    json.assign(reinterpret_cast<const char*>(out.data), out.len);
  } catch (...) {
    ks_buffer_free(&out);
    throw;
  }
  ks_buffer_free(&out);
  return json;
}

}  // namespace detail

/// The provisioning plan for a snapshot, as the contract's JSON (what `karpenter-solver
/// provision` prints, without the final newline). Throws Error for invalid input.
inline std::string provision(std::string_view snapshot, const Catalog& catalog,
                             const Options& options = {}) {
  return detail::solve(ks_provision, snapshot, catalog, options);
}

/// The consolidation plan for a snapshot, as the contract's JSON (what `karpenter-solver
/// consolidate` prints, without the final newline). Throws Error for invalid input.
inline std::string consolidate(std::string_view snapshot, const Catalog& catalog,
                               const Options& options = {}) {
  return detail::solve(ks_consolidate, snapshot, catalog, options);
}

}  // namespace karpenter_solver

#endif  // KARPENTER_SOLVER_HPP
