// CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs.
#include <boost/asio/post.hpp>

#include <fmt/ranges.h>

#include "kafka/server/broker.h"

namespace sluice::kafka {

namespace {

constexpr int8_t kResourceTopic = 2;
constexpr int8_t kResourceBroker = 4;
constexpr int8_t kSourceTopicConfig = static_cast<int8_t>(ConfigSource::kTopic);
constexpr int8_t kSourceDefault = static_cast<int8_t>(ConfigSource::kDefault);

ErrorCode admin_error(const Status& st) {
  switch (st.code()) {
    case StatusCode::kAlreadyExists:
      return ErrorCode::kTopicAlreadyExists;
    case StatusCode::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case StatusCode::kInvalidArgument:
      return ErrorCode::kInvalidConfig;
    default:
      return ErrorCode::kUnknownServerError;
  }
}

// Checks one partition's replica list of a manual assignment against this single-node cluster,
// with Kafka's messages: replicas must be listed, without duplicates, and name this broker only.
std::optional<std::string> check_replicas(const std::vector<int32_t>& brokers, int32_t node_id) {
  if (brokers.empty()) return "Replica assignment must have at least one replica";
  for (size_t i = 0; i < brokers.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (brokers[i] == brokers[j]) {
        return fmt::format("Duplicate brokers not allowed in replica assignment: {}",
                           fmt::join(brokers, ", "));
      }
    }
  }
  for (int32_t b : brokers) {
    if (b != node_id) {
      return fmt::format("Unknown broker(s) in replica assignment: {} (the only broker is {})", b,
                         node_id);
    }
  }
  return std::nullopt;
}

// The assignments of CreatePartitions (one replica list per new partition), if any: every
// partition of a topic here has one replica, this broker.
std::optional<std::string> check_new_partitions(const CreatePartitionsRequest::Topic& t,
                                                int32_t existing, int32_t node_id) {
  if (!t.assignments) return std::nullopt;
  for (size_t i = 0; i < t.assignments->size(); ++i) {
    const auto& a = (*t.assignments)[i];
    if (a.broker_ids.size() != 1) {
      return fmt::format(
          "Inconsistent replication factor between partitions, partition 0 has 1 while partitions "
          "[{}] have replication factors [{}], respectively.",
          existing + static_cast<int32_t>(i), a.broker_ids.size());
    }
    if (auto e = check_replicas(a.broker_ids, node_id)) return e;
  }
  return std::nullopt;
}

}  // namespace

void Broker::handle_create_topics(const RequestContextPtr& ctx, const CreateTopicsRequest& req) {
  CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    CreateTopicsResponse::Topic r;
    r.name = t.name;
    int32_t partitions = t.num_partitions == -1 ? default_partitions_.load() : t.num_partitions;
    TopicConfig overrides;
    for (const auto& c : t.configs) {
      if (c.value) overrides[c.name] = *c.value;
    }
    auto fail = [&](ErrorCode e, std::string msg) {
      r.error_code = static_cast<int16_t>(e);
      r.error_message = std::move(msg);
    };
    // A manual assignment (as Kafka checks it): partitions 0..n-1, each with the same replicas,
    // which may only name this broker; the partition count follows from it.
    std::optional<std::string> bad_assignment;
    if (!t.assignments.empty()) {
      if (t.num_partitions != -1 || t.replication_factor != -1) {
        bad_assignment =
            "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
            "cannot be used at the same time.";
      }
      for (size_t i = 0; i < t.assignments.size() && !bad_assignment; ++i) {
        const auto& a = t.assignments[i];
        bool listed = false;  // partition i has an entry (in any order)
        for (const auto& other : t.assignments) {
          listed |= other.partition_index == static_cast<int32_t>(i);
        }
        if (!listed) {
          bad_assignment = "partitions should be a consecutive 0-based integer sequence";
        } else if (a.broker_ids.size() != t.assignments[0].broker_ids.size()) {
          bad_assignment = "All partitions should have the same number of replicas";
        } else {
          bad_assignment = check_replicas(a.broker_ids, config_.node_id);
        }
      }
      partitions = static_cast<int32_t>(t.assignments.size());
    }
    if (Status st = validate_topic_name(t.name); !st.is_ok()) {
      fail(ErrorCode::kInvalidTopicException, st.message());
    } else if (bad_assignment) {
      fail(t.num_partitions != -1 || t.replication_factor != -1
               ? ErrorCode::kInvalidRequest
               : ErrorCode::kInvalidReplicaAssignment,
           *bad_assignment);
    } else if (partitions <= 0) {
      fail(ErrorCode::kInvalidPartitions, "number of partitions must be larger than 0");
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      fail(ErrorCode::kInvalidReplicationFactor,
           fmt::format("replication factor {} is larger than the number of brokers (1)",
                       t.replication_factor));
    } else if (log_.has_topic(t.name)) {
      fail(ErrorCode::kTopicAlreadyExists, "topic '" + t.name + "' already exists");
    } else if (auto cfg = apply_overrides(log_.defaults(), overrides); !cfg.is_ok()) {
      fail(ErrorCode::kInvalidConfig, cfg.status().message());
    } else if (!req.validate_only) {
      Status st = log_.create_topic(t.name, partitions, overrides);
      if (!st.is_ok()) fail(admin_error(st), st.message());
    }
    if (r.error_code == 0) {
      r.num_partitions = partitions;
      r.replication_factor = 1;
      auto info = log_.topic_info(t.name);
      std::vector<CreateTopicsResponse::Config> configs;
      auto effective =
          info.is_ok() ? info->config : apply_overrides(log_.defaults(), overrides).value();
      for (const auto& [k, v] : describe_config(effective)) {
        configs.push_back(
            {k, v, false, overrides.count(k) ? kSourceTopicConfig : kSourceDefault, false});
      }
      r.configs = std::move(configs);
      spdlog::info("created topic {} ({} partitions){}", t.name, partitions,
                   req.validate_only ? " [validate only]" : "");
    }
    resp.topics.push_back(std::move(r));
  }
  respond(ctx, resp);
}

void Broker::handle_delete_topics(const RequestContextPtr& ctx, const DeleteTopicsRequest& req) {
  std::vector<std::string> names = req.topic_names;
  for (const auto& t : req.topics) names.push_back(t.name.value_or(""));
  // Deleting closes the partitions (waiting for a maintenance pass that holds one), renames and
  // removes the files: keep the I/O loop free, like fsync=always produces.
  boost::asio::post(blocking_pool_, [this, ctx, names = std::move(names)] {
    DeleteTopicsResponse resp;
    for (const auto& name : names) resp.responses.push_back(delete_topic(name));
    respond(ctx, resp);
  });
}

DeleteTopicsResponse::DeletableTopicResult Broker::delete_topic(const std::string& name) {
  DeleteTopicsResponse::DeletableTopicResult r;
  r.name = name;
  if (name == kOffsetsTopic) {
    r.error_code = static_cast<int16_t>(ErrorCode::kInvalidTopicException);
    r.error_message = "internal topics cannot be deleted";
  } else if (!log_.has_topic(name)) {
    r.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
  } else if (Status st = log_.delete_topic(name); !st.is_ok()) {
    r.error_code = static_cast<int16_t>(admin_error(st));
    r.error_message = st.message();
  } else {
    std::lock_guard lock(producers_mu_);
    for (auto it = producers_.begin(); it != producers_.end();) {
      it = it->first.first == name ? producers_.erase(it) : std::next(it);
    }
    spdlog::info("deleted topic {}", name);
  }
  return r;
}

void Broker::handle_delete_records(const RequestContextPtr& ctx, const DeleteRecordsRequest& req) {
  // Moving the log start offset writes (and fsyncs) a file and removes segments: not on the I/O
  // loop.
  boost::asio::post(blocking_pool_, [this, ctx, req] {
    DeleteRecordsResponse resp;
    for (const auto& t : req.topics) {
      DeleteRecordsResponse::Topic tr;
      tr.name = t.name;
      for (const auto& dp : t.partitions) {
        DeleteRecordsResponse::Partition pr;
        pr.partition_index = dp.partition_index;
        Partition* p = log_.partition(t.name, dp.partition_index);
        if (!p) {
          pr.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        } else {
          // -1: everything below the high watermark (Kafka's DeleteRecordsRequest.HIGH_WATERMARK).
          int64_t before = dp.offset == -1 ? p->high_watermark().value() : dp.offset;
          auto moved = before < 0 ? Result<Offset>(Status::out_of_range("negative offset"))
                                  : p->delete_records_before(Offset(before));
          if (moved.is_ok()) {
            pr.low_watermark = moved->value();
          } else if (moved.status().code() == StatusCode::kOutOfRange) {
            pr.error_code = static_cast<int16_t>(ErrorCode::kOffsetOutOfRange);
          } else {
            pr.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
            spdlog::warn("DeleteRecords {}-{} before {}: {}", t.name, dp.partition_index, before,
                         moved.status().to_string());
          }
        }
        tr.partitions.push_back(pr);
      }
      resp.topics.push_back(std::move(tr));
    }
    respond(ctx, resp);
  });
}

void Broker::handle_create_partitions(const RequestContextPtr& ctx,
                                      const CreatePartitionsRequest& req) {
  CreatePartitionsResponse resp;
  for (const auto& t : req.topics) {
    CreatePartitionsResponse::CreatePartitionsTopicResult r;
    r.name = t.name;
    auto info = log_.topic_info(t.name);
    auto fail = [&](ErrorCode e, std::string msg) {
      r.error_code = static_cast<int16_t>(e);
      r.error_message = std::move(msg);
    };
    if (!info.is_ok()) {
      fail(ErrorCode::kUnknownTopicOrPartition, "topic '" + t.name + "' does not exist");
    } else if (t.count <= info->partitions) {
      fail(ErrorCode::kInvalidPartitions, fmt::format("topic currently has {} partitions, which is "
                                                      "higher than or equal to the requested {}",
                                                      info->partitions, t.count));
    } else if (t.assignments &&
               t.assignments->size() != static_cast<size_t>(t.count - info->partitions)) {
      fail(ErrorCode::kInvalidReplicaAssignment,
           fmt::format("Increasing the number of partitions by {} but {} assignments provided.",
                       t.count - info->partitions, t.assignments->size()));
    } else if (auto bad = check_new_partitions(t, info->partitions, config_.node_id)) {
      fail(ErrorCode::kInvalidReplicaAssignment, *bad);
    } else if (!req.validate_only) {
      Status st = log_.add_partitions(t.name, t.count);
      if (!st.is_ok()) fail(admin_error(st), st.message());
    }
    resp.results.push_back(std::move(r));
  }
  respond(ctx, resp);
}

void Broker::handle_describe_configs(const RequestContextPtr& ctx,
                                     const DescribeConfigsRequest& req) {
  DescribeConfigsResponse resp;
  for (const auto& res : req.resources) {
    DescribeConfigsResponse::DescribeConfigsResult r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    auto wanted = [&](const std::string& k) {
      if (!res.configuration_keys) return true;
      for (const auto& w : *res.configuration_keys) {
        if (w == k) return true;
      }
      return false;
    };
    if (res.resource_type == kResourceTopic) {
      auto info = log_.topic_info(res.resource_name);
      if (!info.is_ok()) {
        r.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        r.error_message = "topic '" + res.resource_name + "' does not exist";
      } else {
        for (const auto& [k, v] : describe_config(info->config)) {
          if (!wanted(k)) continue;
          DescribeConfigsResponse::Config c;
          c.name = k;
          c.value = v;
          bool overridden = info->overrides.count(k) > 0;
          c.is_default = !overridden;
          c.config_source = overridden ? kSourceTopicConfig : kSourceDefault;
          r.configs.push_back(std::move(c));
        }
      }
    } else if (res.resource_type == kResourceBroker) {
      auto level = broker_config_level(res.resource_name);
      if (!level) {
        r.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
        r.error_message = fmt::format("Unexpected broker id {}: this is broker {}",
                                      res.resource_name, config_.node_id);
      } else {
        for (const BrokerConfigs::Entry& e : broker_configs_->describe(*level)) {
          if (!wanted(e.name)) continue;
          DescribeConfigsResponse::Config c;
          c.name = e.name;
          c.value = e.value;
          c.is_default = e.source == ConfigSource::kDefault;
          c.config_source = static_cast<int8_t>(e.source);
          if (req.include_synonyms) {
            for (const auto& syn : e.synonyms) {
              c.synonyms.push_back({e.name, syn.value, static_cast<int8_t>(syn.source)});
            }
          }
          r.configs.push_back(std::move(c));
        }
      }
    } else {
      r.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
      r.error_message = fmt::format("resource type {} is not supported", res.resource_type);
    }
    resp.results.push_back(std::move(r));
  }
  respond(ctx, resp);
}

std::optional<BrokerConfigs::Level> Broker::broker_config_level(const std::string& name) const {
  if (name.empty()) return BrokerConfigs::Level::kClusterDefault;
  if (name == std::to_string(config_.node_id)) return BrokerConfigs::Level::kBroker;
  return std::nullopt;
}

AlterConfigsResourceResponse Broker::alter_config_resource(
    int8_t type, const std::string& name, const std::function<Status(TopicConfig&)>& edit,
    bool validate_only) {
  AlterConfigsResourceResponse r;
  r.resource_type = type;
  r.resource_name = name;
  auto fail = [&](ErrorCode e, std::string msg) {
    r.error_code = static_cast<int16_t>(e);
    r.error_message = std::move(msg);
    return r;
  };
  if (type == kResourceBroker) {
    auto level = broker_config_level(name);
    if (!level) {
      return fail(ErrorCode::kInvalidRequest,
                  fmt::format("Unexpected broker id {}: this is broker {}", name, config_.node_id));
    }
    TopicConfig values = broker_configs_->level_values(*level);
    if (Status st = edit(values); !st.is_ok()) return fail(ErrorCode::kInvalidConfig, st.message());
    std::vector<std::string> fixed;
    for (const auto& [k, v] : values) {
      if (!BrokerConfigs::is_dynamic(k)) fixed.push_back(k);
    }
    if (!fixed.empty()) {
      return fail(
          ErrorCode::kInvalidRequest,
          fmt::format("Cannot update these configs dynamically: {}", fmt::join(fixed, ", ")));
    }
    auto settings = broker_configs_->replace(*level, std::move(values), validate_only);
    if (!settings.is_ok()) return fail(ErrorCode::kInvalidConfig, settings.status().message());
    if (!validate_only) {
      if (Status st = apply_broker_settings(*settings); !st.is_ok()) {
        return fail(ErrorCode::kInvalidConfig, st.message());
      }
    }
    return r;
  }
  if (type != kResourceTopic) {
    return fail(ErrorCode::kInvalidRequest, fmt::format("resource type {} is not supported", type));
  }
  auto info = log_.topic_info(name);
  if (!info.is_ok())
    return fail(ErrorCode::kUnknownTopicOrPartition, "topic '" + name + "' does not exist");
  TopicConfig overrides = info->overrides;
  if (Status st = edit(overrides); !st.is_ok())
    return fail(ErrorCode::kInvalidConfig, st.message());
  if (auto cfg = apply_overrides(log_.defaults(), overrides); !cfg.is_ok()) {
    return fail(ErrorCode::kInvalidConfig, cfg.status().message());
  }
  if (!validate_only) {
    if (Status st = log_.alter_config(name, overrides); !st.is_ok())
      return fail(admin_error(st), st.message());
  }
  return r;
}

void Broker::handle_alter_configs(const RequestContextPtr& ctx, const AlterConfigsRequest& req) {
  AlterConfigsResponse resp;
  for (const auto& res : req.resources) {
    // AlterConfigs replaces the whole set of overrides.
    resp.responses.push_back(alter_config_resource(
        res.resource_type, res.resource_name,
        [&](TopicConfig& o) {
          o.clear();
          for (const auto& c : res.configs) {
            if (c.value) o[c.name] = *c.value;
          }
          return Status::ok();
        },
        req.validate_only));
  }
  respond(ctx, resp);
}

void Broker::handle_incremental_alter_configs(const RequestContextPtr& ctx,
                                              const IncrementalAlterConfigsRequest& req) {
  IncrementalAlterConfigsResponse resp;
  for (const auto& res : req.resources) {
    resp.responses.push_back(alter_config_resource(
        res.resource_type, res.resource_name,
        [&](TopicConfig& o) {
          for (const auto& c : res.configs) {
            switch (c.config_operation) {
              case 0:  // SET
                if (!c.value)
                  return Status::invalid_argument("SET of " + c.name + " needs a value");
                o[c.name] = *c.value;
                break;
              case 1:  // DELETE: back to the default
                o.erase(c.name);
                break;
              case 2:    // APPEND (list configs, e.g. cleanup.policy)
              case 3: {  // SUBTRACT
                if (!c.value)
                  return Status::invalid_argument("APPEND/SUBTRACT of " + c.name +
                                                  " needs a value");
                std::vector<std::string> items;
                std::string cur = o.count(c.name) ? o[c.name] : "";
                size_t start = 0;
                while (start <= cur.size() && !cur.empty()) {
                  size_t comma = cur.find(',', start);
                  std::string item = cur.substr(
                      start, comma == std::string::npos ? std::string::npos : comma - start);
                  if (!item.empty()) items.push_back(item);
                  if (comma == std::string::npos) break;
                  start = comma + 1;
                }
                auto it = std::find(items.begin(), items.end(), *c.value);
                if (c.config_operation == 2 && it == items.end()) items.push_back(*c.value);
                if (c.config_operation == 3 && it != items.end()) items.erase(it);
                std::string joined;
                for (const auto& i : items) joined += (joined.empty() ? "" : ",") + i;
                if (joined.empty()) {
                  o.erase(c.name);
                } else {
                  o[c.name] = joined;
                }
                break;
              }
              default:
                return Status::invalid_argument(
                    fmt::format("unknown config operation {}", c.config_operation));
            }
          }
          return Status::ok();
        },
        req.validate_only));
  }
  respond(ctx, resp);
}

}  // namespace sluice::kafka
