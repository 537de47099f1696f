// Provision a snapshot with the default catalog through the RAII wrapper
// include/karpenter_solver.hpp, and print the plan's JSON as `karpenter-solver provision`
// does. Invalid input is an exception naming the object and field at fault.
//
//   cargo build --release -p karpenter-solver-capi
//   g++ -std=c++17 -Wall -I include examples/cpp/provision.cpp
//       target/release/libkarpenter_solver.a -lpthread -ldl -lm -o provision-cpp
//   ./provision-cpp examples/snapshot.yaml
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "karpenter_solver.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " SNAPSHOT\n";
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 1;
  }
  std::stringstream snapshot;
  snapshot << file.rdbuf();

  try {
    const auto catalog = karpenter_solver::Catalog::aws_default();
    std::cout << karpenter_solver::provision(snapshot.str(), catalog) << "\n";
  } catch (const karpenter_solver::Error& e) {
    std::cerr << "provision: " << e.what() << "\n";
    if (!e.object().empty()) std::cerr << "  object " << e.object() << ", field " << e.field() << "\n";
    return 2;
  }
  return 0;
}
