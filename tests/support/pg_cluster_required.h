// The start of a PostgreSQL test that is not a PgDatabaseTest (pg_support.h): the run's cluster, or the
// same skip (a failure in CI) as the fixtures make without the server binaries.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/status.h"
#include "support/pg_support.h"

// Declares `cluster`, the run's PostgreSQL cluster (a Result<PgCluster>), in a test body or SetUp; without
// the server binaries the test is skipped there (a failure in CI), and it fails when the cluster cannot
// be started or reached.
#define HC_REQUIRE_PG_CLUSTER(cluster)                                            \
  auto cluster = ::hc::testing::TestCluster();                                    \
  if (!cluster.ok()) {                                                            \
    const char* hc_ci_ = std::getenv("CI");                                       \
    if (cluster.status().code() == ::hc::StatusCode::kNotFound &&                 \
        !(hc_ci_ && std::string(hc_ci_) == "true")) {                             \
      GTEST_SKIP() << "PostgreSQL tests skipped: " << cluster.status().message(); \
    }                                                                             \
    FAIL() << "PostgreSQL test cluster: " << cluster.status().ToString();         \
  }
