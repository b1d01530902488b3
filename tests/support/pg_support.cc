#include "support/pg_support.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "support/pg_cluster_required.h"
#include "support/test_env.h"

namespace hc::testing {
namespace {

namespace fs = std::filesystem;

fs::path BinDir() {
  const char* dir = std::getenv("PG_BINDIR");  // the script's override, honoured here too
  return dir && *dir ? fs::path(dir) : fs::path("/usr/lib/postgresql/15/bin");
}

// KEY='value' lines, as scripts/pg-test-cluster writes them.
std::map<std::string, std::string> ReadEnvFile(const fs::path& path) {
  std::map<std::string, std::string> vars;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || line.size() < eq + 3 || line[eq + 1] != '\'' || line.back() != '\'') continue;
    vars[line.substr(0, eq)] = line.substr(eq + 2, line.size() - eq - 3);
  }
  return vars;
}

// The cluster an env file describes, if its server is still up (a ctest run interrupted before its
// cleanup leaves a file behind whose cluster may be gone).
std::optional<PgCluster> ClusterFromEnvFile(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  auto vars = ReadEnvFile(path);
  PgCluster c{vars["HC_TEST_PG_HOST"], vars["HC_TEST_PG_PORT"], vars["HC_TEST_PG_USER"]};
  if (c.host.empty() || c.port.empty() || c.user.empty()) return std::nullopt;
  if (!fs::exists(fs::path(c.host) / (".s.PGSQL." + c.port))) return std::nullopt;
  return c;
}

// A cluster this process started because no ctest fixture had: stopped when the process exits.
struct OwnCluster {
  fs::path env_file;
  ~OwnCluster() {
    if (env_file.empty()) return;
    std::string out;
    RunCommand(Quote(SourceDir() / "scripts" / "pg-test-cluster") + " stop --env " + Quote(env_file), &out, true);
  }
};

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};

// One statement on the cluster's postgres database.
Status AdminExec(const PgCluster& cluster, const std::string& sql) {
  std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdb(cluster.Conninfo("postgres").c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::IoError("test cluster: cannot connect: " + std::string(conn ? PQerrorMessage(conn.get()) : "oom"));
  }
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, ResultClearer> res(PQexec(conn.get(), sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return Status::IoError("test cluster: " + sql + ": " + PQerrorMessage(conn.get()));
  }
  return Status::Ok();
}

}  // namespace

std::string PgCluster::Conninfo(const std::string& dbname) const {
  // Values quoted as libpq's keyword/value syntax wants, so a socket folder may hold spaces.
  auto quoted = [](const std::string& v) {
    std::string q = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') q.push_back('\\');
      q.push_back(c);
    }
    return q + "'";
  };
  return "host=" + quoted(host) + " port=" + quoted(port) + " user=" + quoted(user) + " dbname=" + quoted(dbname);
}

Result<PgCluster> TestCluster() {
  static std::mutex mu;
  static std::optional<Result<PgCluster>> cached;
  static OwnCluster own;
  std::lock_guard<std::mutex> lock(mu);
  if (cached) return *cached;
  auto settle = [&](Result<PgCluster> r) {
    cached = r;
    return r;
  };
  if (!fs::exists(BinDir() / "initdb") || !fs::exists(BinDir() / "pg_ctl")) {
    return settle(Status::NotFound("PostgreSQL 15 server binaries not found in " + BinDir().string() +
                                   " (Debian's postgresql package; scripts/setup installs it)"));
  }
  if (auto c = ClusterFromEnvFile(fs::path(HC_BINARY_DIR) / "pg-test-cluster.env")) return settle(*c);
  // Not under ctest's fixture: a cluster of this process's own.
  own.env_file = fs::temp_directory_path() / ("hc-pg-test-" + std::to_string(::getpid()) + ".env");
  std::string out;
  const int rc = RunCommand(Quote(SourceDir() / "scripts" / "pg-test-cluster") + " start --env " + Quote(own.env_file),
                            &out, true);
  if (rc != 0) return settle(Status::IoError("scripts/pg-test-cluster start failed (" + std::to_string(rc) + "): " + out));
  if (auto c = ClusterFromEnvFile(own.env_file)) return settle(*c);
  return settle(Status::IoError("scripts/pg-test-cluster started, but " + own.env_file.string() +
                                " names no running cluster"));
}

PrivatePgCluster::~PrivatePgCluster() {
  if (!dir_.empty()) (void)Script("stop");
}

Status PrivatePgCluster::Script(const std::string& command) {
  std::string out;
  const int rc =
      RunCommand(Quote(SourceDir() / "scripts" / "pg-test-cluster") + " " + command + " " + Quote(dir_), &out, true);
  if (rc != 0) {
    return Status::IoError("scripts/pg-test-cluster " + command + " failed (" + std::to_string(rc) + "): " + out);
  }
  return Status::Ok();
}

Status PrivatePgCluster::Start() {
  if (!fs::exists(BinDir() / "initdb") || !fs::exists(BinDir() / "pg_ctl")) {
    return Status::NotFound("PostgreSQL 15 server binaries not found in " + BinDir().string());
  }
  // Short (a socket path) and new: the script makes the folder.
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() /
                       ("hc-pgp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  dir_ = dir.string();
  Status s = Script("start");
  if (!s.ok()) {
    dir_.clear();
    return s;
  }
  auto c = ClusterFromEnvFile(dir / "env");
  if (!c) return Status::IoError("scripts/pg-test-cluster started " + dir.string() + " but its env names no cluster");
  cluster_ = *c;
  return Status::Ok();
}

Status PrivatePgCluster::Halt() { return Script("halt"); }
Status PrivatePgCluster::Resume() { return Script("resume"); }
Status PrivatePgCluster::Restart() { return Script("restart"); }

PgTestDatabase::~PgTestDatabase() {
  if (name_.empty()) return;
  // FORCE: a connection the test leaked must not keep the database (and the next run's name) alive.
  const Status s = AdminExec(cluster_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  if (!s.ok()) ADD_FAILURE() << s.ToString();
}

Status PgTestDatabase::Create(const PgCluster& cluster) {
  static std::atomic<int> counter{0};
  // Unique among concurrent test processes (pid) and within one (counter); a plain identifier.
  const std::string name = "hc_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  Status s = AdminExec(cluster, "CREATE DATABASE " + name + " TEMPLATE hc_template");
  if (!s.ok()) return s;
  cluster_ = cluster;
  name_ = name;
  return Status::Ok();
}

void PgDatabaseTest::SetUp() {
  HC_REQUIRE_PG_CLUSTER(cluster);
  cluster_ = *cluster;
  const Status s = database_.Create(cluster_);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

}  // namespace hc::testing
