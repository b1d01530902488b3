// The PostgreSQL test cluster (scripts/pg-test-cluster, docs/postgresql.md "Tests") and a database of
// its own for each test, cloned from the template hc_template.
//
// Under ctest, the fixture test pg.cluster.start has started one cluster for the whole run and written
// <build>/pg-test-cluster.env; tests that use it are named Pg* (tests/CMakeLists.txt gives exactly those
// FIXTURES_REQUIRED). Run by hand, the first test that needs a cluster starts one for this process and
// it is stopped when the process exits. When the PostgreSQL 15 server binaries are absent, the tests
// skip with a message saying so, except in CI (CI=true), where that is a failure.
//
// Thread-safety: TestCluster and PgTestDatabase may be used from several threads.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/status.h"

namespace hc::testing {

struct PgCluster {
  std::string host;  // the socket folder
  std::string port;
  std::string user;  // the superuser, trusted on the socket
  // A keyword/value connection string for one database of the cluster.
  std::string Conninfo(const std::string& dbname) const;
};

// The run's cluster, started on first use when the ctest fixture did not start one. NotFound when the
// server binaries are absent; another error when the cluster could not be started or reached.
Result<PgCluster> TestCluster();

// A cluster of one test's own (scripts/pg-test-cluster start DIR), for a test that stops or restarts
// the server, which the run's cluster cannot do under the tests that share it. Removed on destruction.
// Start costs an initdb (a few seconds): only for such tests.
class PrivatePgCluster {
 public:
  PrivatePgCluster() = default;
  ~PrivatePgCluster();
  PrivatePgCluster(const PrivatePgCluster&) = delete;
  PrivatePgCluster& operator=(const PrivatePgCluster&) = delete;

  // NotFound without the server binaries, as TestCluster.
  Status Start();
  const PgCluster& cluster() const { return cluster_; }
  Status Halt();     // stops the server (fast: its sessions are terminated); the data stays
  Status Resume();   // starts it again
  Status Restart();  // both

 private:
  Status Script(const std::string& command);
  std::string dir_;  // empty until Start succeeded
  PgCluster cluster_;
};

// A database cloned from hc_template under a name no other test uses, dropped (with its connections)
// on destruction.
class PgTestDatabase {
 public:
  PgTestDatabase() = default;
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  Status Create(const PgCluster& cluster);
  const std::string& name() const { return name_; }
  std::string conninfo() const { return cluster_.Conninfo(name_); }

 private:
  PgCluster cluster_;
  std::string name_;  // empty until Create succeeded
};

// A test fixture with a fresh database per test: skips (fails in CI) without the server binaries, fails
// when the cluster cannot be reached.
class PgDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override;
  const PgCluster& cluster() const { return cluster_; }
  const PgTestDatabase& database() const { return database_; }
  std::string conninfo() const { return database_.conninfo(); }

 private:
  PgCluster cluster_;
  PgTestDatabase database_;
};

}  // namespace hc::testing
