// The shell against canned, contract-shaped server answers: an in-test HttpServer for /ksql and
// /query-stream, and a raw socket server for a push query that streams until it is cancelled.
#include "cli/sql_shell.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/http_server.h"

namespace sluice::cli {
namespace {

using nlohmann::json;

TEST(CompleteStatements, KeepsTheUnfinishedRest) {
  auto [done, rest] = complete_statements("CREATE STREAM S (A INT)\n  WITH (x='a;b');\nSELECT *");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], "CREATE STREAM S (A INT)\n  WITH (x='a;b');");
  EXPECT_EQ(rest, "SELECT *");
  auto [done2, rest2] = complete_statements("INSERT INTO S VALUES ('it''s\n");
  EXPECT_TRUE(done2.empty());
  EXPECT_EQ(rest2, "INSERT INTO S VALUES ('it''s\n");
  auto [done3, rest3] = complete_statements("SHOW STREAMS; -- a comment\n");
  EXPECT_EQ(done3, std::vector<std::string>{"SHOW STREAMS;"});
  EXPECT_TRUE(rest3.empty() || rest3.find_first_not_of(" \n") == std::string::npos);
}

TEST(NormalizeStatement, CollapsesBlanksAndDropsTheSemicolon) {
  EXPECT_EQ(normalize_statement("  CREATE STREAM S\n   (A INT)  ;\n"), "CREATE STREAM S (A INT)");
}

// Captures what the shell prints.
class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    std::fseek(file_, 0, SEEK_END);
    return out;
  }

 private:
  std::FILE* file_;
};

class ShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(runtime_, HttpServerOptions{"127.0.0.1", 0});
    server_->route("POST", "/ksql", [this](const HttpRequest& r) { return ksql(r); });
    server_->route("POST", "/query-stream", [this](const HttpRequest& r) {
      record(r);
      json body = json::parse(r.body);
      if (body["sql"].get<std::string>().find("NOPE") != std::string::npos) {
        return HttpResponse::json(
            400, R"({"@type":"generic_error","error_code":40001,"message":"line 1:15: )"
                 R"(NOPE does not exist."})");
      }
      HttpResponse res = HttpResponse::json(
          200,
          "{\"queryId\":\"transient_S_1\",\"columnNames\":[\"NAME\",\"N\"],"
          "\"columnTypes\":[\"STRING\",\"BIGINT\"]}\n[\"alice\",1]\n[\"bob\",null]\n");
      return res;
    });
    ASSERT_TRUE(server_->start().is_ok());
    runtime_.start();
  }
  void TearDown() override {
    server_->stop();
    runtime_.stop();
    runtime_.join();
  }

  HttpResponse ksql(const HttpRequest& r) {
    record(r);
    std::string text = json::parse(r.body)["ksql"];
    if (text.starts_with("CREATE STREAM S")) {
      if (existing_) {
        return HttpResponse::json(
            400,
            json{{"@type", "statement_error"},
                 {"error_code", 40001},
                 {"message", "Cannot add stream 'S': A stream with the same name already exists"},
                 {"statementText", text},
                 {"entities", json::array()}}
                .dump());
      }
      return HttpResponse::json(
          200,
          json::array({{{"@type", "currentStatus"},
                        {"statementText", text},
                        {"commandStatus", {{"status", "SUCCESS"}, {"message", "Stream created"}}}}})
              .dump());
    }
    if (text.starts_with("DESCRIBE `S`")) {
      return HttpResponse::json(
          200,
          json::array({{{"@type", "sourceDescription"},
                        {"sourceDescription",
                         {{"name", "S"}, {"statement", *existing_}, {"fields", json::array()}}}}})
              .dump());
    }
    if (text == "SHOW STREAMS;") {
      return HttpResponse::json(200, R"([{"@type":"streams","streams":[{"type":"STREAM",
          "name":"S","topic":"s","keyFormat":"KAFKA","valueFormat":"JSON","isWindowed":false}]}])");
    }
    if (text.starts_with("INSERT INTO S VALUES")) return HttpResponse::json(200, "[]");
    return HttpResponse::json(
        400, json{{"@type", "statement_error"},
                  {"error_code", 40001},
                  {"message", "line 1:1: mismatched input '" + text.substr(0, 4) + "'"},
                  {"statementText", text},
                  {"entities", json::array()}}
                 .dump());
  }

  void record(const HttpRequest& r) {
    std::lock_guard lock(mu_);
    requests_.push_back({r.path, json::parse(r.body)});
  }
  std::vector<std::pair<std::string, json>> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

  Shell make_shell(ShellOptions opts = {}) {
    auto client = KsqlClient::connect_to("http://127.0.0.1:" + std::to_string(server_->port()));
    EXPECT_TRUE(client.is_ok());
    return Shell(std::move(client).value(), opts, out_.file(), err_.file());
  }

  IoRuntime runtime_{1};
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> requests_;
  std::optional<std::string> existing_;
  Capture out_, err_;
};

TEST_F(ShellTest, StatementsPrintTheirEntities) {
  Shell shell = make_shell();
  EXPECT_TRUE(
      shell.run_script("CREATE STREAM S (A INT) WITH (kafka_topic='s', partitions=1,\n"
                       "  value_format='JSON');\nSHOW STREAMS;"));
  std::string out = out_.text();
  EXPECT_NE(out.find(" Message        \n----------------\n Stream created \n"), std::string::npos)
      << out;
  EXPECT_NE(out.find(" S           | s           | KAFKA      | JSON         | false    \n"),
            std::string::npos)
      << out;
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].first, "/ksql");
  // One statement per request, as ksqlDB's CLI sends them.
  EXPECT_EQ(reqs[0].second["ksql"],
            "CREATE STREAM S (A INT) WITH (kafka_topic='s', partitions=1,\n  "
            "value_format='JSON');");
  EXPECT_EQ(reqs[1].second["ksql"], "SHOW STREAMS;");
}

TEST_F(ShellTest, AFailedStatementStopsTheScriptUnlessToldToContinue) {
  Shell shell = make_shell();
  EXPECT_FALSE(shell.run_script("SHOW STREAMS;\nBOGUS;\nSHOW STREAMS;"));
  EXPECT_EQ(err_.text(), "line 1:1: mismatched input 'BOGU'\nStatement: BOGUS;\n");
  EXPECT_EQ(requests().size(), 2u);

  ShellOptions opts;
  opts.continue_on_error = true;
  Shell going_on = make_shell(opts);
  EXPECT_FALSE(going_on.run_script("BOGUS;\nSHOW STREAMS;"));
  EXPECT_EQ(requests().size(), 4u);
}

TEST_F(ShellTest, SetAndDefineStayInTheClient) {
  Shell shell = make_shell();
  EXPECT_TRUE(
      shell.run_script("SET 'auto.offset.reset' = 'earliest';\n"
                       "DEFINE fmt = 'JSON';\n"
                       "CREATE STREAM S (A INT) WITH (kafka_topic='s', "
                       "value_format='${fmt}');\n"
                       "UNSET 'auto.offset.reset';\n"
                       "SHOW STREAMS;"));
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].second["ksql"],
            "CREATE STREAM S (A INT) WITH (kafka_topic='s', value_format='JSON');");
  EXPECT_EQ(reqs[0].second["streamsProperties"], json({{"auto.offset.reset", "earliest"}}));
  EXPECT_EQ(reqs[1].second["streamsProperties"], json::object());
  std::string out = out_.text();
  EXPECT_NE(out.find("Successfully changed local property 'auto.offset.reset' to 'earliest'."),
            std::string::npos);
  EXPECT_NE(out.find("Successfully unset local property 'auto.offset.reset' (value was "
                     "'earliest')."),
            std::string::npos);
  EXPECT_TRUE(shell.run_statement("SHOW VARIABLES;"));
  EXPECT_NE(out_.text().find(" FMT           | JSON  \n"), std::string::npos) << out_.text();
  // An undefined variable is the client's error; nothing is sent.
  EXPECT_FALSE(shell.run_statement("SHOW ${nope};"));
  EXPECT_NE(err_.text().find("Variable 'nope' is not defined"), std::string::npos) << err_.text();
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(ShellTest, QueriesStreamRowsAsABoxedTable) {
  Shell shell = make_shell();
  EXPECT_TRUE(shell.run_statement("SET 'auto.offset.reset'='earliest';"));
  EXPECT_TRUE(shell.run_statement("SELECT NAME, N FROM S EMIT CHANGES LIMIT 2;"));
  std::string out = out_.text();
  EXPECT_NE(out.find("|NAME                |N                   |\n"
                     "+--------------------+--------------------+\n"
                     "|alice               |1                   |\n"
                     "|bob                 |null                |\n"
                     "+--------------------+--------------------+\n"
                     "Limit Reached\nQuery terminated\n"),
            std::string::npos)
      << out;
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].first, "/query-stream");
  EXPECT_EQ(reqs[0].second["sql"], "SELECT NAME, N FROM S EMIT CHANGES LIMIT 2;");
  EXPECT_EQ(reqs[0].second["properties"], json({{"auto.offset.reset", "earliest"}}));

  EXPECT_FALSE(shell.run_statement("SELECT * FROM NOPE EMIT CHANGES;"));
  EXPECT_EQ(err_.text(), "line 1:15: NOPE does not exist.\n");
}

TEST_F(ShellTest, RunScriptAndExit) {
  std::string path = ::testing::TempDir() + "/shell_test_script.sql";
  std::ofstream(path) << "SHOW STREAMS;\nexit;\nSHOW STREAMS;\n";
  Shell shell = make_shell();
  EXPECT_TRUE(shell.run_statement("RUN SCRIPT '" + path + "';"));
  EXPECT_TRUE(shell.exit_requested());
  EXPECT_EQ(requests().size(), 1u);
  std::string self = ::testing::TempDir() + "/shell_test_self.sql";
  std::ofstream(self) << "RUN SCRIPT '" << self << "';\n";
  Shell looping = make_shell();
  EXPECT_FALSE(looping.run_statement("RUN SCRIPT '" + self + "';"));
  EXPECT_NE(err_.text().find("RUN SCRIPT nested more than 16 deep"), std::string::npos);
  EXPECT_FALSE(shell.run_statement("RUN SCRIPT '/nonexistent/x.sql';"));
  EXPECT_NE(err_.text().find("Cannot read the script file '/nonexistent/x.sql'"),
            std::string::npos);
}

TEST_F(ShellTest, SkipsACreateOnlyWhenTheSameStatementMadeTheSource) {
  ShellOptions opts;
  opts.skip_existing = true;
  Shell shell = make_shell(opts);
  existing_ = "CREATE STREAM S (A INT) WITH (kafka_topic='s', value_format='JSON');";
  EXPECT_TRUE(shell.run_statement(
      "CREATE STREAM S (A INT)\n   WITH (kafka_topic='s', value_format='JSON');"));
  EXPECT_NE(out_.text().find("Skipped (S exists, created by this same statement)"),
            std::string::npos)
      << out_.text();
  existing_ = "CREATE STREAM S (B INT) WITH (kafka_topic='s', value_format='JSON');";
  EXPECT_FALSE(
      shell.run_statement("CREATE STREAM S (A INT) WITH (kafka_topic='s', value_format='JSON');"));
  EXPECT_NE(err_.text().find("A stream with the same name already exists"), std::string::npos);
}

TEST_F(ShellTest, ConnectionRefusedIsAnError) {
  uint16_t port = server_->port();
  server_->stop();
  auto client = KsqlClient::connect_to("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(client.is_ok());
  Shell shell(std::move(client).value(), {}, out_.file(), err_.file());
  EXPECT_FALSE(shell.run_statement("SHOW STREAMS;"));
  EXPECT_NE(err_.text().find("cannot connect to the server at 127.0.0.1:"), std::string::npos)
      << err_.text();
}

TEST(KsqlClientUrl, ParsesHostsAndPorts) {
  auto a = KsqlClient::connect_to("http://localhost:8088/");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host(), "localhost");
  EXPECT_EQ(a->port(), 8088);
  auto b = KsqlClient::connect_to("[::1]:9000");
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->host(), "::1");
  EXPECT_EQ(b->url(), "http://[::1]:9000");
  EXPECT_FALSE(KsqlClient::connect_to("https://x:1").is_ok());
  EXPECT_FALSE(KsqlClient::connect_to("http://x:99999").is_ok());
  EXPECT_FALSE(KsqlClient::connect_to("http://:80").is_ok());
}

// A server that streams a push query's header and one row, then keeps the response open (as a
// push query without LIMIT does) until the client goes away; then it takes a /close-query.
class EndlessQueryServer {
 public:
  // `row_shown` tells when the shell has printed the row: only then is Ctrl-C pressed, so that
  // the shell knows the query id it must close.
  explicit EndlessQueryServer(std::function<bool()> row_shown)
      : row_shown_(std::move(row_shown)),
        acceptor_(ctx_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~EndlessQueryServer() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  bool client_closed = false;
  std::string close_request;

 private:
  std::string read_request(boost::asio::ip::tcp::socket& s, boost::asio::streambuf& buf) {
    size_t n = boost::asio::read_until(s, buf, "\r\n\r\n");
    std::string head(boost::asio::buffers_begin(buf.data()),
                     boost::asio::buffers_begin(buf.data()) + static_cast<long>(n));
    buf.consume(n);
    size_t cl = head.find("Content-Length: ");
    size_t len = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
    if (buf.size() < len)
      boost::asio::read(s, buf, boost::asio::transfer_exactly(len - buf.size()));
    std::string body(boost::asio::buffers_begin(buf.data()),
                     boost::asio::buffers_begin(buf.data()) + static_cast<long>(len));
    buf.consume(len);
    return head + body;
  }

  void serve() {
    using boost::asio::ip::tcp;
    tcp::socket s(ctx_);
    acceptor_.accept(s);
    boost::asio::streambuf buf;
    read_request(s, buf);
    auto chunk = [](const std::string& data) {
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      return size + data + "\r\n";
    };
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ksqlapi.delimited.v1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
        chunk(
            "{\"queryId\":\"transient_X_7\",\"columnNames\":[\"V\"],\"columnTypes\":"
            "[\"STRING\"]}\n") +
        chunk("[\"first\"]\n");
    boost::asio::write(s, boost::asio::buffer(head));
    // The user presses Ctrl-C while rows are still to come.
    for (int i = 0; i < 3000 && !row_shown_(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::raise(SIGINT);
    char c;
    boost::system::error_code ec;
    s.read_some(boost::asio::buffer(&c, 1), ec);
    client_closed = ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
    tcp::socket s2(ctx_);
    acceptor_.accept(s2);
    boost::asio::streambuf buf2;
    close_request = read_request(s2, buf2);
    std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    boost::asio::write(s2, boost::asio::buffer(ok));
  }

  std::function<bool()> row_shown_;
  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// Answers one request with `response` (raw HTTP bytes), then closes the connection.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response)
      : acceptor_(ctx_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, response = std::move(response)] {
      boost::asio::ip::tcp::socket s(ctx_);
      acceptor_.accept(s);
      boost::asio::streambuf buf;
      boost::asio::read_until(s, buf, "\r\n\r\n");
      boost::asio::write(s, boost::asio::buffer(response));
    });
  }
  ~OneShotServer() { thread_.join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(KsqlClientStream, LinesSplitAcrossChunksComeOutWhole) {
  auto chunk = [](const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  };
  OneShotServer server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       chunk("{\"queryId\":\"q\",\"colu") + chunk("mnNames\":[\"A\"]}\r\n[1]\n[2") +
                       chunk("]\n[3]") + "0\r\n\r\n");
  auto client = KsqlClient::connect_to("127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(client.is_ok());
  std::vector<std::string> lines;
  auto reply = client->post_stream("/query-stream", "{}", "application/vnd.ksqlapi.delimited.v1",
                                   [&](std::string_view l) { lines.emplace_back(l); });
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->status, 200);
  EXPECT_FALSE(reply->cancelled);
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"queryId\":\"q\",\"columnNames\":[\"A\"]}", "[1]",
                                             "[2]", "[3]"}));
}

TEST(KsqlClientStream, AnErrorStatusKeepsTheBody) {
  OneShotServer server(
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
      "{\"message\":\"nope!\"}\n");
  auto client = KsqlClient::connect_to("127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(client.is_ok());
  int lines = 0;
  auto reply = client->post_stream("/query-stream", "{}", "application/json",
                                   [&](std::string_view) { ++lines; });
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->error_body, "{\"message\":\"nope!\"}\n");
  EXPECT_EQ(lines, 0);
}

TEST(ShellPushQuery, CtrlCEndsTheQueryNotTheShell) {
  Shell::install_sigint_handler();
  Capture out, err;
  // Reads what the shell printed through a descriptor of its own (the shell owns the FILE).
  std::string out_path = "/proc/self/fd/" + std::to_string(fileno(out.file()));
  EndlessQueryServer server([&out_path] {
    std::ifstream in(out_path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str().find("|first") != std::string::npos;
  });
  auto client = KsqlClient::connect_to("127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(client.is_ok());
  Shell shell(std::move(client).value(), {}, out.file(), err.file());
  EXPECT_TRUE(shell.run_statement("SELECT V FROM X EMIT CHANGES;")) << err.text();
  server.join();  // it has seen the connection close and then the /close-query
  std::signal(SIGINT, SIG_DFL);
  EXPECT_TRUE(server.client_closed);
  EXPECT_NE(server.close_request.find("POST /close-query HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.close_request.find("{\"queryId\":\"transient_X_7\"}"), std::string::npos)
      << server.close_request;
  std::string text = out.text();
  EXPECT_NE(text.find("|V                   |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("|first               |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Query terminated\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Limit Reached"), std::string::npos) << text;
  // The shell goes on: the flag is cleared for the next statement.
  EXPECT_FALSE(shell.exit_requested());
}

}  // namespace
}  // namespace sluice::cli
