// The Kafka wire protocol: everything the broker, the network server and our tools include.
//
//   parse_frame_size / parse_request_frame  -> ParsedRequest {header, api, body variant, error}
//   encode_response(correlation_id, version, FooResponse) -> ResponseFrame (bytes + splices)
//   encode_request / parse_response_frame   -> for clients, tools and tests
//   supported_apis()                        -> the one table of supported versions
//   ErrorCode / error_name                  -> Kafka error codes
//
// Thread-safety: value types and pure functions; see each header.
#pragma once

#include "kafka/protocol/api.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/frame.h"
#include "kafka/protocol/schema.h"
