// Provision (or, with --consolidate, consolidate) a snapshot with the default catalog through
// the RAII wrapper include/karpenter_solver.hpp, and print the plan's JSON as
// `karpenter-solver provision` (or `consolidate`) does. Invalid input is an exception naming
// the object and field at fault.
//
//   cargo build --release -p karpenter-solver-capi
//   g++ -std=c++17 -Wall -I include examples/cpp/provision.cpp
//       target/release/libkarpenter_solver.a -lpthread -ldl -lm -o provision-cpp
//   ./provision-cpp examples/snapshot.yaml
//   ./provision-cpp --consolidate examples/snapshot.yaml
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "karpenter_solver.hpp"

int main(int argc, char** argv) {
  const bool consolidate = argc == 3 && std::string(argv[1]) == "--consolidate";
  if (argc != 2 && !consolidate) {
    std::cerr << "usage: " << argv[0] << " [--consolidate] SNAPSHOT\n";
    return 2;
  }
  const char* path = argv[argc - 1];
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "cannot read " << path << "\n";
    return 1;
  }
  std::stringstream snapshot;
  snapshot << file.rdbuf();

  const char* verb = consolidate ? "consolidate" : "provision";
  try {
    const auto catalog = karpenter_solver::Catalog::aws_default();
    std::cout << (consolidate ? karpenter_solver::consolidate(snapshot.str(), catalog)
                              : karpenter_solver::provision(snapshot.str(), catalog))
              << "\n";
  } catch (const karpenter_solver::Error& e) {
    std::cerr << verb << ": " << e.what() << "\n";
    if (!e.object().empty()) std::cerr << "  object " << e.object() << ", field " << e.field() << "\n";
    return 2;
  }
  return 0;
}
