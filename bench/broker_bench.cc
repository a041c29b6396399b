// The broker end to end, measured with librdkafka against its own `sluice serve`, next to Redis
// Streams measured in the same run with the same workloads:
//   produce  1 KiB values as fast as the client can, acks=1 and acks=all (Redis: pipelined XADD)
//   consume  the acks=1 topic from the beginning (Redis: XREAD COUNT n from 0-0)
//   latency  produce at a fixed rate (default 50 MB/s, acks=1) with a consumer waiting; p50/p99
//            from send to arrival, and the rate achieved (Redis: XADD + XREAD BLOCK)
//   txn      a transactional producer committing every --txn-messages values (default 1000):
//            MB/s and commits/s (Redis: the same XADDs in MULTI/EXEC blocks, pipelined)
// Each figure is the median of --runs runs; one line per figure, then the sluice/redis ratios.
// MB = 10^6 bytes of values. The machine is usually shared: the load average is printed first, and
// each throughput figure comes with the CPU seconds per GB that the server and the client spent
// (from /proc), which depend much less on the load than the rates do.
//
// usage: broker_bench [--quick] [--runs N] [--messages N] [--partitions N] [--rate-mb R]
//                     [--latency-seconds S] [--sluice PATH] [--redis-server PATH] [--no-redis]
//                     [--no-latency] [--no-throughput] [--linger-ms N]
//                     [--fsync always|interval|never] [--consumers N] [--txn-messages N]
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/broker_bench_util.h"
#include "bench/redis_streams_peer.h"

namespace sluice::bench {
namespace {

struct Options {
  bool quick = false;
  int runs = 3;
  int64_t messages = 300000;
  int partitions = 4;
  double rate_mb = 50;
  double latency_seconds = 5;
  std::string sluice = SLUICE_BINARY;
  std::string redis_server = "redis-server";
  bool redis = true;
  bool latency = true;
  bool throughput = true;
  std::string linger_ms = "0";     // of the latency run's producer
  std::string fsync = "interval";  // sluice's default policy
  int consumers = 1;
  int txn_messages = 1000;  // values per transaction of the txn workload
};

bool g_failed = false;

void fail(const std::string& what) {
  std::fprintf(stderr, "broker_bench: %s\n", what.c_str());
  g_failed = true;
}

rd_kafka_conf_t* conf_of(const std::string& bootstrap,
                         const std::vector<std::pair<std::string, std::string>>& kv) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    fail(err);
  }
  for (const auto& [k, v] : kv) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK)
      fail(k + ": " + err);
  }
  return conf;
}

rd_kafka_t* handle_of(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) {
    fail(std::string("rd_kafka_new: ") + err);
    std::exit(1);
  }
  if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  return rk;
}

bool create_topic(const std::string& bootstrap, const std::string& topic, int partitions) {
  rd_kafka_t* rk = handle_of(RD_KAFKA_PRODUCER, conf_of(bootstrap, {}));
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof(err));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  bool ok = ev && !rd_kafka_event_error(ev);
  if (ok) {
    size_t n = 0;
    auto** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    ok = n == 1 && !rd_kafka_topic_result_error(res[0]);
  }
  if (!ok) fail("cannot create topic " + topic);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_destroy(rk);
  return ok;
}

void delete_topics(const std::string& bootstrap, const std::vector<std::string>& topics) {
  rd_kafka_t* rk = handle_of(RD_KAFKA_PRODUCER, conf_of(bootstrap, {}));
  std::vector<rd_kafka_DeleteTopic_t*> del;
  del.reserve(topics.size());
  for (const auto& t : topics) del.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, del.data(), del.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev || rd_kafka_event_error(ev)) fail("cannot delete topics");
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy_array(del.data(), del.size());
  rd_kafka_destroy(rk);
}

std::atomic<int64_t> g_delivery_errors{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) g_delivery_errors.fetch_add(1);
}

// A producer configured for throughput (large batches, deep queues, no compression), with one
// more setting (acks, or a transactional id).
rd_kafka_conf_t* throughput_producer_conf(const std::string& bootstrap,
                                          std::pair<std::string, std::string> extra) {
  return conf_of(bootstrap, {std::move(extra),
                             {"linger.ms", "5"},
                             {"batch.size", "1000000"},
                             {"batch.num.messages", "10000"},
                             {"queue.buffering.max.messages", "1000000"},
                             {"queue.buffering.max.kbytes", "1048576"},
                             {"compression.type", "none"}});
}

// Queues one value for `partition`, waiting while the producer's queue is full.
void produce_value(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                   const std::string& value) {
  while (true) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (e) fail(std::string("produce: ") + rd_kafka_err2str(e));
      return;
    }
    rd_kafka_poll(rk, 1);
  }
}

Throughput kafka_produce(const std::string& bootstrap, const std::string& topic, int partitions,
                         int64_t messages, const char* acks) {
  Throughput t;
  if (!create_topic(bootstrap, topic, partitions)) return t;
  rd_kafka_conf_t* conf = throughput_producer_conf(bootstrap, {"acks", acks});
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_t* rk = handle_of(RD_KAFKA_PRODUCER, conf);
  static const std::string kValue = bench_value();
  g_delivery_errors = 0;
  // Warm up: metadata and connections.
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                    RD_KAFKA_V_VALUE(const_cast<char*>(kValue.data()), kValue.size()),
                    RD_KAFKA_V_END);
  rd_kafka_flush(rk, 30000);
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < messages; ++i) {
    // Runs of 1000 messages per partition, as a partitioner with sticky batches would make.
    produce_value(rk, topic, static_cast<int32_t>((i / 1000) % partitions), kValue);
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("flush timed out");
  t.seconds = seconds_since(t0);
  t.messages = messages;
  if (g_delivery_errors > 0)
    fail(std::to_string(g_delivery_errors.load()) + " delivery errors on " + topic);
  rd_kafka_destroy(rk);
  return t;
}

// A transactional producer (acks=all, idempotent) writing `messages` values in transactions of
// `per_txn`, committed one after the other; the values of one transaction go to one partition,
// the next transaction to the next one.
Throughput kafka_produce_transactional(const std::string& bootstrap, const std::string& topic,
                                       int partitions, int64_t messages, int per_txn) {
  Throughput t;
  if (!create_topic(bootstrap, topic, partitions)) return t;
  rd_kafka_conf_t* conf =
      throughput_producer_conf(bootstrap, {"transactional.id", "bench-" + topic});
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_t* rk = handle_of(RD_KAFKA_PRODUCER, conf);
  auto check = [&](rd_kafka_error_t* e, const char* what) {
    if (!e) return true;
    fail(std::string(what) + ": " + rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return false;
  };
  static const std::string kValue = bench_value();
  g_delivery_errors = 0;
  if (!check(rd_kafka_init_transactions(rk, 30000), "init_transactions")) {
    rd_kafka_destroy(rk);
    return t;
  }
  auto t0 = std::chrono::steady_clock::now();
  int64_t sent = 0;
  for (int64_t txn = 0; sent < messages; ++txn) {
    if (!check(rd_kafka_begin_transaction(rk), "begin_transaction")) break;
    auto p = static_cast<int32_t>(txn % partitions);
    int64_t n = std::min<int64_t>(per_txn, messages - sent);
    for (int64_t i = 0; i < n; ++i) produce_value(rk, topic, p, kValue);
    if (!check(rd_kafka_commit_transaction(rk, 60000), "commit_transaction")) break;
    sent += n;
  }
  t.seconds = seconds_since(t0);
  t.messages = sent;
  if (g_delivery_errors > 0)
    fail(std::to_string(g_delivery_errors.load()) + " delivery errors on " + topic);
  rd_kafka_destroy(rk);
  return t;
}

// A consumer assigned partitions `first`, `first + step`, ... of `topic`.
rd_kafka_t* assigned_consumer(const std::string& bootstrap, const std::string& topic,
                              int partitions, int64_t offset, const char* fetch_wait_ms,
                              int first = 0, int step = 1) {
  rd_kafka_t* rk =
      handle_of(RD_KAFKA_CONSUMER, conf_of(bootstrap, {{"group.id", "bench-" + topic},
                                                       {"enable.auto.commit", "false"},
                                                       {"fetch.wait.max.ms", fetch_wait_ms},
                                                       {"fetch.max.bytes", "52428800"},
                                                       {"max.partition.fetch.bytes", "8388608"},
                                                       {"queued.max.messages.kbytes", "1048576"}}));
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int32_t p = first; p < partitions; p += step)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = offset;
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  return rk;
}

// `consumers` librdkafka consumers, each on its own thread with its share of the partitions, read
// the topic from the beginning. Timed from the first message on: librdkafka takes up to half a
// second to start fetching after assign() (its broker thread picks up the offset query on its
// next wake-up), which says nothing about the broker.
Throughput kafka_consume(const std::string& bootstrap, const std::string& topic, int partitions,
                         int64_t messages, int consumers) {
  Throughput t;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::atomic<int64_t> seen{0}, timed{0};
  std::atomic<int64_t> first_ns{0};
  std::vector<std::thread> threads;
  threads.reserve(consumers);
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      rd_kafka_t* rk = assigned_consumer(bootstrap, topic, partitions, RD_KAFKA_OFFSET_BEGINNING,
                                         "100", c, consumers);
      std::vector<rd_kafka_message_t*> batch(10000);
      rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
      while (seen.load() < messages && std::chrono::steady_clock::now() < deadline) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
        int64_t ok = 0;
        for (ssize_t i = 0; i < n; ++i) {
          if (!batch[static_cast<size_t>(i)]->err) ++ok;
          rd_kafka_message_destroy(batch[static_cast<size_t>(i)]);
        }
        if (ok == 0) continue;
        int64_t expected = 0;
        // The first batch to arrive starts the clock and is not counted.
        if (!first_ns.compare_exchange_strong(expected, now_ns())) timed += ok;
        seen += ok;
      }
      rd_kafka_queue_destroy(q);
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    });
  }
  // The clock stops when the last message arrives, not when the consumers have closed.
  while (seen.load() < messages && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  int64_t end_ns = now_ns();
  for (auto& th : threads) th.join();
  if (seen.load() < messages)
    fail("consume " + topic + ": timed out at " + std::to_string(seen.load()));
  t.seconds = static_cast<double>(end_ns - first_ns.load()) / 1e9;
  t.messages = timed.load();
  return t;
}

Latency kafka_latency(const std::string& bootstrap, const std::string& topic, int partitions,
                      double bytes_per_second, double seconds, const std::string& linger_ms) {
  Latency out;
  if (!create_topic(bootstrap, topic, partitions)) return out;
  std::atomic<bool> stop{false};
  std::vector<double> lat_ms;
  int64_t received = 0;
  int64_t measure_from = 0;  // messages sent before this time are warm-up
  rd_kafka_t* consumer = assigned_consumer(bootstrap, topic, partitions, 0, "100");
  std::thread reader([&] {
    while (!stop) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 50);
      if (!m) continue;
      int64_t now = now_ns();
      if (!m->err && m->len >= 8) {
        int64_t sent = 0;
        std::memcpy(&sent, m->payload, 8);
        ++received;
        if (sent >= measure_from) lat_ms.push_back(static_cast<double>(now - sent) / 1e6);
      }
      rd_kafka_message_destroy(m);
    }
  });
  rd_kafka_t* producer = handle_of(
      RD_KAFKA_PRODUCER,
      conf_of(bootstrap, {{"acks", "1"}, {"linger.ms", linger_ms}, {"compression.type", "none"}}));
  std::string value = bench_value();
  // Connections and metadata first; then give the consumer time to start fetching.
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
  rd_kafka_flush(producer, 30000);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  measure_from = now_ns() + static_cast<int64_t>(0.1 * seconds * 1e9);
  Pacer pacer(bytes_per_second, kValueSize);
  auto t0 = std::chrono::steady_clock::now();
  int64_t sent = 0;
  while (seconds_since(t0) < seconds) {
    int64_t due = pacer.due();
    if (due <= sent) {
      rd_kafka_poll(producer, 0);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      continue;
    }
    for (; sent < due; ++sent) {
      int64_t ts = now_ns();
      std::memcpy(value.data(), &ts, 8);
      int32_t p = static_cast<int32_t>(sent % partitions);
      rd_kafka_resp_err_t e =
          rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
      if (e) {
        fail(std::string("latency produce: ") + rd_kafka_err2str(e));
        break;
      }
    }
  }
  double elapsed = seconds_since(t0);
  rd_kafka_flush(producer, 30000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  reader.join();
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  out.p50_ms = quantile(lat_ms, 0.50);
  out.p99_ms = quantile(lat_ms, 0.99);
  out.achieved_mb_per_s = static_cast<double>(sent) * kValueSize / kMB / elapsed;
  out.lost = sent + 1 - received;  // + the warm-up message
  return out;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "broker_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      o.quick = true;
      o.runs = 1;
      o.messages = 20000;
      o.latency_seconds = 1;
    } else if (a == "--runs") {
      o.runs = std::atoi(next().c_str());
    } else if (a == "--messages") {
      o.messages = std::atoll(next().c_str());
    } else if (a == "--partitions") {
      o.partitions = std::atoi(next().c_str());
    } else if (a == "--rate-mb") {
      o.rate_mb = std::atof(next().c_str());
    } else if (a == "--latency-seconds") {
      o.latency_seconds = std::atof(next().c_str());
    } else if (a == "--sluice") {
      o.sluice = next();
    } else if (a == "--redis-server") {
      o.redis_server = next();
    } else if (a == "--no-redis") {
      o.redis = false;
    } else if (a == "--no-latency") {
      o.latency = false;
    } else if (a == "--no-throughput") {
      o.throughput = false;
    } else if (a == "--linger-ms") {
      o.linger_ms = next();
    } else if (a == "--fsync") {
      o.fsync = next();
    } else if (a == "--consumers") {
      o.consumers = std::atoi(next().c_str());
    } else if (a == "--txn-messages") {
      o.txn_messages = std::max(1, std::atoi(next().c_str()));
    } else {
      std::fprintf(stderr,
                   "usage: broker_bench [--quick] [--runs N] [--messages N] [--partitions N] "
                   "[--rate-mb R] [--latency-seconds S] [--sluice PATH] [--redis-server PATH] "
                   "[--no-redis] [--no-latency] [--no-throughput] [--linger-ms N] "
                   "[--fsync always|interval|never] [--consumers N] [--txn-messages N]\n");
      std::exit(2);
    }
  }
  return o;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// Runs a workload, charging it the CPU time that `server` and this process used meanwhile.
template <typename Fn>
Throughput measured(pid_t server, Fn&& fn) {
  double s0 = cpu_seconds(server), c0 = cpu_seconds();
  Throughput t = fn();
  t.server_cpu = cpu_seconds(server) - s0;
  t.client_cpu = cpu_seconds() - c0;
  return t;
}

struct Figures {
  std::vector<double> mb, msg, server_s_per_gb, client_s_per_gb;
  void add(const Throughput& t) {
    double gb = static_cast<double>(t.messages) * kValueSize / 1e9;
    mb.push_back(t.mb_per_s());
    msg.push_back(t.msg_per_s());
    server_s_per_gb.push_back(gb > 0 ? t.server_cpu / gb : 0);
    client_s_per_gb.push_back(gb > 0 ? t.client_cpu / gb : 0);
  }
};

struct LatencyFigures {
  std::vector<double> p50, p99, rate;
  int64_t lost = 0;
  void add(const Latency& l) {
    p50.push_back(l.p50_ms);
    p99.push_back(l.p99_ms);
    rate.push_back(l.achieved_mb_per_s);
    lost += l.lost;
  }
};

void print_throughput(const char* name, const Figures& f) {
  std::printf("%s %.1f MB/s\n", name, median(f.mb));
  std::printf("%s %.0f msg/s\n", name, median(f.msg));
  std::printf("%s CPU per GB: server %.2f s, client %.2f s\n", name, median(f.server_s_per_gb),
              median(f.client_s_per_gb));
}

void print_latency(const char* name, const LatencyFigures& f, double rate_mb) {
  std::printf("%s p50 %.2f ms at %.0f MB/s (achieved %.1f MB/s)\n", name, median(f.p50), rate_mb,
              median(f.rate));
  std::printf("%s p99 %.2f ms at %.0f MB/s (achieved %.1f MB/s)\n", name, median(f.p99), rate_mb,
              median(f.rate));
}

int run(const Options& o) {
  TempDir dir("sluice-broker-bench");
  uint16_t kafka_port = free_port(), http_port = free_port();
  auto sluice = std::make_unique<ChildProcess>(
      std::vector<std::string>{o.sluice, "serve", "--data-dir", dir.path() + "/data",
                               "--kafka-listen", "127.0.0.1:" + std::to_string(kafka_port),
                               "--http-listen", "127.0.0.1:" + std::to_string(http_port),
                               "--log-level", "warn", "--fsync", o.fsync},
      dir.path() + "/sluice.log");
  if (!wait_for_port(kafka_port, std::chrono::seconds(30)) || !sluice->alive()) {
    fail("sluice did not start: see " + dir.path() + "/sluice.log (" + o.sluice + ")");
    return 1;
  }
  std::unique_ptr<RedisServer> redis;
  if (o.redis) {
    redis = std::make_unique<RedisServer>(o.redis_server, dir.path());
    if (!redis->ready()) {
      fail("redis-server did not start (" + o.redis_server + ")");
      return 1;
    }
  }
  std::string bootstrap = "127.0.0.1:" + std::to_string(kafka_port);
  double rate = o.rate_mb * kMB;

  std::printf(
      "broker_bench: %lld x %zu B values, %d partitions, %d consumer(s), sluice fsync=%s, redis "
      "without persistence, median of %d run(s), %u cores, load average %s at start\n",
      static_cast<long long>(o.messages), kValueSize, o.partitions, o.consumers, o.fsync.c_str(),
      o.runs, std::thread::hardware_concurrency(), load_average().c_str());
  std::fflush(stdout);
  Figures produce1, produce_all, consume, r_produce, r_consume, txn, r_txn;
  LatencyFigures lat, r_lat;
  pid_t sluice_pid = sluice->pid();
  for (int r = 0; r < o.runs; ++r) {
    std::string run_id = std::to_string(r);
    if (o.throughput) {
      produce1.add(measured(sluice_pid, [&] {
        return kafka_produce(bootstrap, "acks1-" + run_id, o.partitions, o.messages, "1");
      }));
      produce_all.add(measured(sluice_pid, [&] {
        return kafka_produce(bootstrap, "acksall-" + run_id, o.partitions, o.messages, "all");
      }));
      consume.add(measured(sluice_pid, [&] {
        return kafka_consume(bootstrap, "acks1-" + run_id, o.partitions, o.messages, o.consumers);
      }));
      txn.add(measured(sluice_pid, [&] {
        return kafka_produce_transactional(bootstrap, "txn-" + run_id, o.partitions, o.messages,
                                           o.txn_messages);
      }));
      if (redis) {
        r_produce.add(measured(redis->pid(), [&] {
          return redis_produce(redis->port(), "s-" + run_id, o.messages, 1000);
        }));
        r_consume.add(measured(redis->pid(), [&] {
          return redis_consume(redis->port(), "s-" + run_id, o.messages, 1000);
        }));
        r_txn.add(measured(redis->pid(), [&] {
          return redis_produce_multi(redis->port(), "m-" + run_id, o.messages, o.txn_messages);
        }));
        RespClient c;  // free Redis' memory for the next run
        if (c.connect(redis->port())) {
          c.append({"DEL", "s-" + run_id, "m-" + run_id});
          c.flush();
          c.read_reply();
        }
      }
    }
    // Each run starts from the same state: the page cache the last run filled is freed.
    if (o.throughput) {
      delete_topics(bootstrap, {"acks1-" + run_id, "acksall-" + run_id, "txn-" + run_id});
    }
    if (o.latency) {
      lat.add(kafka_latency(bootstrap, "latency-" + run_id, o.partitions, rate, o.latency_seconds,
                            o.linger_ms));
      if (redis)
        r_lat.add(redis_latency(redis->port(), "latency-" + run_id, rate, o.latency_seconds));
    }
  }
  for (const auto* f : {&produce1, &produce_all, &consume, &txn, &r_produce, &r_consume, &r_txn}) {
    for (double v : f->msg)
      if (v <= 0) fail("a workload moved no messages");
  }
  if (lat.lost > 0) fail(std::to_string(lat.lost) + " messages lost in the sluice latency run");
  if (r_lat.lost > 0) fail(std::to_string(r_lat.lost) + " messages lost in the redis latency run");

  if (o.throughput) {
    print_throughput("sluice produce acks=1", produce1);
    print_throughput("sluice produce acks=all", produce_all);
    print_throughput("sluice consume", consume);
    print_throughput("sluice produce transactional", txn);
    std::printf("sluice produce transactional %.0f commits/s (%d values each)\n",
                median(txn.msg) / o.txn_messages, o.txn_messages);
  }
  if (o.latency) print_latency("sluice e2e latency acks=1", lat, o.rate_mb);
  if (redis) {
    if (o.throughput) {
      print_throughput("redis produce XADD", r_produce);
      print_throughput("redis consume XREAD", r_consume);
      print_throughput("redis produce MULTI/XADD/EXEC", r_txn);
      std::printf("redis produce MULTI/XADD/EXEC %.0f commits/s (%d values each)\n",
                  median(r_txn.msg) / o.txn_messages, o.txn_messages);
    }
    if (o.latency) print_latency("redis e2e latency XADD/XREAD BLOCK", r_lat, o.rate_mb);
    if (o.throughput) {
      std::printf("ratio produce acks=1 sluice/redis %.2fx\n",
                  median(produce1.mb) / median(r_produce.mb));
      std::printf("ratio produce acks=all sluice/redis %.2fx\n",
                  median(produce_all.mb) / median(r_produce.mb));
      std::printf("ratio consume sluice/redis %.2fx\n", median(consume.mb) / median(r_consume.mb));
      std::printf("ratio transactional produce sluice/redis %.2fx\n",
                  median(txn.mb) / median(r_txn.mb));
      std::printf("ratio produce server CPU per GB redis/sluice %.2fx\n",
                  median(r_produce.server_s_per_gb) / median(produce1.server_s_per_gb));
      std::printf("ratio consume server CPU per GB redis/sluice %.2fx\n",
                  median(r_consume.server_s_per_gb) / median(consume.server_s_per_gb));
    }
    if (o.latency)
      std::printf("ratio e2e p99 sluice/redis %.2fx\n", median(lat.p99) / median(r_lat.p99));
  }
  std::printf("load average %s at end\n", load_average().c_str());
  if (!sluice->alive())
    fail("sluice exited during the benchmark: see " + dir.path() + "/sluice.log");
  return g_failed ? 1 : 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  return sluice::bench::run(sluice::bench::parse_options(argc, argv));
}
