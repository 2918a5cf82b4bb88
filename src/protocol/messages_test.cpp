#include <rivet/protocol/messages.hpp>

#include "protocol/test_util.hpp"

#include <gtest/gtest.h>

namespace rivet::protocol {
namespace {

using test::from_hex;
using test::from_text;
using test::to_hex;

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

Bytes wire(Encoding enc, std::string_view golden) {
  return enc == Encoding::Json ? from_text(golden) : from_hex(golden);
}

std::string show(Encoding enc, const Bytes& b) {
  return enc == Encoding::Json ? text(b) : to_hex(b);
}

// -- §12 golden vectors, both directions -------------------------------------------------------

struct ToServerCase {
  Encoding enc;
  std::string_view golden;
  ToServer msg;
};

const ActionRequest kIncrement{0, "increment", Value::array({5})};
const SubscriptionRequest kSubscribe{"newCount", true};

TEST(Messages, ToServerGoldenVectors) {
  const ToServerCase cases[] = {
      {Encoding::Json,
       R"({"body":{"tag":"ActionRequest","val":{"id":["$BigInt","0"],"name":"increment","args":[5]}}})",
       kIncrement},
      {Encoding::Cbor,
       "b9000164626f6479b90002637461676d416374696f6e526571756573746376616cb900036269641b00000000"
       "00000000646e616d6569696e6372656d656e7464617267738105",
       kIncrement},
      {Encoding::Bare, "0400000009696e6372656d656e74028105", kIncrement},
      {Encoding::Json,
       R"({"body":{"tag":"SubscriptionRequest","val":{"eventName":"newCount","subscribe":true}}})",
       kSubscribe},
      {Encoding::Cbor,
       "b9000164626f6479b900026374616773537562736372697074696f6e526571756573746376616cb90002696576"
       "656e744e616d65686e6577436f756e7469737562736372696265f5",
       kSubscribe},
      {Encoding::Bare, "040001086e6577436f756e7401", kSubscribe},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.golden);
    EXPECT_EQ(show(c.enc, encode_to_server(c.msg, c.enc)), c.golden);
    auto decoded = decode_to_server(wire(c.enc, c.golden), c.enc);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, c.msg);
  }
}

TEST(Messages, HttpActionRequestGoldenVectors) {
  const Value args = Value::array({1, "a"});
  const std::pair<Encoding, std::string_view> cases[] = {
      {Encoding::Json, R"({"args":[1,"a"]})"},
      {Encoding::Cbor, "b90001646172677382016161"},
      {Encoding::Bare, "04000482016161"},
  };
  for (const auto& [enc, golden] : cases) {
    SCOPED_TRACE(golden);
    EXPECT_EQ(show(enc, encode_http_action_request(args, enc)), golden);
    auto decoded = decode_http_action_request(wire(enc, golden), enc);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, args);
  }
}

TEST(Messages, HttpQueueSendGoldenVectors) {
  const QueueSendRequest waiting{Value{{"x", 1}}, "jobs", true, 1000};
  const QueueSendRequest no_wait{Value("hi"), "jobs", false, std::nullopt};
  const std::tuple<Encoding, std::string_view, QueueSendRequest> cases[] = {
      {Encoding::Json, R"({"body":{"x":1},"name":"jobs","wait":true,"timeout":1000})", waiting},
      {Encoding::Cbor,
       "b9000464626f6479b90001617801646e616d65646a6f62736477616974f56774696d656f75741903e8",
       waiting},
      {Encoding::Bare, "040006b9000161780101046a6f6273010101e803000000000000", waiting},
      {Encoding::Json, R"({"body":"hi","name":"jobs","wait":false})", no_wait},
      {Encoding::Cbor, "b9000464626f6479626869646e616d65646a6f62736477616974f46774696d656f7574f7",
       no_wait},
  };
  for (const auto& [enc, golden, req] : cases) {
    SCOPED_TRACE(golden);
    EXPECT_EQ(show(enc, encode_http_queue_send_request(req, enc)), golden);
    auto decoded = decode_http_queue_send_request(wire(enc, golden), enc);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, req);
  }
}

struct ToClientCase {
  std::string_view golden;
  ToClient msg;
};

TEST(Messages, ToClientBareGoldenVectors) {
  const ToClientCase cases[] = {
      {"04000003616263026331", Init{"abc", "c1"}},
      {"040002000106", ActionResponse{0, Value(6)}},
      {"040003086e6577436f756e74028106", Event{"newCount", Value::array({6})}},
      {"04000104757365720a757365725f6572726f7204626f6f6d00010300",
       ErrorMessage{"user", "user_error", "boom", std::nullopt, 3, std::nullopt}},
      // §13: event [10], response 10.
      {"040003086e6577436f756e7402810a", Event{"newCount", Value::array({10})}},
      {"04000200010a", ActionResponse{0, Value(10)}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.golden);
    EXPECT_EQ(to_hex(encode_to_client(c.msg, Encoding::Bare)), c.golden);
    auto decoded = decode_to_client(from_hex(c.golden), Encoding::Bare);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, c.msg);
  }
}

TEST(Messages, HttpBareGoldenVectors) {
  const HttpError err{"actor", "action_not_found", "Action `x` was not found.", std::nullopt,
                      ActorSpecifier{"abc", 1, "k"}};
  const std::string err_hex =
      "0400056163746f7210616374696f6e5f6e6f745f666f756e6419416374696f6e2060786020776173206e6f74"
      "20666f756e642e0001036162630101016b";
  EXPECT_EQ(to_hex(encode_http_error(err, Encoding::Bare)), err_hex);
  auto err_back = decode_http_error(from_hex(err_hex), Encoding::Bare);
  ASSERT_TRUE(err_back);
  EXPECT_EQ(*err_back, err);

  EXPECT_EQ(to_hex(encode_http_action_response(Value{{"ok", true}}, Encoding::Bare)),
            "040007b90001626f6bf5");
  EXPECT_EQ(*decode_http_action_response(from_hex("040007b90001626f6bf5"), Encoding::Bare),
            (Value{{"ok", true}}));
  // §13: POST body args [5] and response 5.
  EXPECT_EQ(*decode_http_action_request(from_hex("0400028105"), Encoding::Bare), Value::array({5}));
  EXPECT_EQ(to_hex(encode_http_action_response(Value(5), Encoding::Bare)), "04000105");

  const QueueSendResponse done{"completed", std::nullopt};
  EXPECT_EQ(to_hex(encode_http_queue_send_response(done, Encoding::Bare)),
            "040009636f6d706c6574656400");
  EXPECT_EQ(
      *decode_http_queue_send_response(from_hex("040009636f6d706c6574656400"), Encoding::Bare),
      done);
}

TEST(Messages, HttpErrorJsonMatchesSpecExample) {
  const HttpError err{"actor", "action_not_found", "Action `x` was not found.", std::nullopt,
                      ActorSpecifier{"abc", 1, "k"}};
  const std::string golden =
      R"({"group":"actor","code":"action_not_found","message":"Action `x` was not found.",)"
      R"("actor":{"actorId":"abc","generation":1,"key":"k"}})";
  EXPECT_EQ(text(encode_http_error(err, Encoding::Json)), golden);
  EXPECT_EQ(*decode_http_error(from_text(golden), Encoding::Json), err);
  HttpError plain{"core", "internal_error", "An internal error occurred", std::nullopt,
                  std::nullopt};
  EXPECT_EQ(text(encode_http_error(plain, Encoding::Json)),
            R"({"group":"core","code":"internal_error","message":"An internal error occurred"})");
}

// -- §6.5 strict client rules -----------------------------------------------------------------

TEST(Messages, JsonToClientUsesBigIntIdsAndRequiredActionId) {
  EXPECT_EQ(text(encode_to_client(ActionResponse{7, Value::array({1})}, Encoding::Json)),
            R"({"body":{"tag":"ActionResponse","val":{"id":["$BigInt","7"],"output":[1]}}})");
  ErrorMessage conn_level{"actor", "x", "m", std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(text(encode_to_client(conn_level, Encoding::Json)),
            R"({"body":{"tag":"Error","val":{"group":"actor","code":"x","message":"m",)"
            R"("actionId":null}}})");
  ErrorMessage full{"user", "c", "m", Value{{"a", 1}}, 2, ActorSpecifier{"id", 3, std::nullopt}};
  EXPECT_EQ(text(encode_to_client(full, Encoding::Json)),
            R"({"body":{"tag":"Error","val":{"group":"user","code":"c","message":"m",)"
            R"("metadata":{"a":1},"actionId":["$BigInt","2"],)"
            R"("actor":{"actorId":"id","generation":3}}}})");
  EXPECT_EQ(text(encode_to_client(Init{"a", "c"}, Encoding::Json)),
            R"({"body":{"tag":"Init","val":{"actorId":"a","connectionId":"c"}}})");
  EXPECT_EQ(text(encode_to_client(Event{"e", Value::array({1, "x"})}, Encoding::Json)),
            R"({"body":{"tag":"Event","val":{"name":"e","args":[1,"x"]}}})");
}

TEST(Messages, CborToClientUsesWideIds) {
  // {"body":{"tag":"ActionResponse","val":{"id":1b..05,"output":[1]}}}
  EXPECT_EQ(to_hex(encode_to_client(ActionResponse{5, Value::array({1})}, Encoding::Cbor)),
            "b9000164626f6479b90002637461676e416374696f6e526573706f6e73656376616cb9000262696"
            "41b0000000000000005666f75747075748101");
  ErrorMessage e{"a", "b", "c", std::nullopt, std::nullopt, std::nullopt};
  Bytes bytes = encode_to_client(e, Encoding::Cbor);
  // actionId present as null (f6) as the last field.
  EXPECT_EQ(to_hex(bytes).substr(to_hex(bytes).size() - 20), "68616374696f6e4964f6");
  ErrorMessage with_id{"a", "b", "c", std::nullopt, 9, std::nullopt};
  std::string hex = to_hex(encode_to_client(with_id, Encoding::Cbor));
  EXPECT_EQ(hex.substr(hex.size() - 36), "68616374696f6e49641b0000000000000009");
}

TEST(Messages, CborPayloadsAreRawCbor) {
  Value output = Value::parse(R"([["$BigInt","1"],["$Uint8Array","AQI="],["$Undefined",0]])");
  std::string hex = to_hex(encode_to_client(ActionResponse{0, output}, Encoding::Cbor));
  EXPECT_EQ(hex.substr(hex.size() - 32), "831b0000000000000001d840420102f7");
  auto back = decode_to_client(from_hex(hex), Encoding::Cbor);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<ActionResponse>(*back).output, output);
}

// -- round trips -------------------------------------------------------------------------------

TEST(Messages, RoundTripAllEncodings) {
  // No escaped "$$x" pair here: in the cbor encoding the official client sends raw CBOR but
  // revives compat tags in what it receives, so escaping is deliberately asymmetric there
  // (EscapedPairsStayEscapedTowardsCborClients covers it).
  const Value payload = Value::parse(
      R"({"n":[1,-2,2.5],"s":"é","b":["$Uint8Array","AQI="],"big":["$BigInt","18446744073709551617"],)"
      R"("u":["$Undefined",0],"set":["$Set",[1,2]]})");
  const ToClient to_client[] = {
      Init{"actor", "conn"},
      ErrorMessage{"g", "c", "m", payload, 18446744073709551615ULL, ActorSpecifier{"a", 2, "k/1"}},
      ErrorMessage{"g", "c", "m", Value(nullptr), std::nullopt,
                   ActorSpecifier{"a", 1, std::nullopt}},
      ActionResponse{12345678901234ULL, payload},
      Event{"ev", Value::array({payload, 1})},
  };
  const ToServer to_server[] = {
      ActionRequest{UINT64_MAX, "act", Value::array({payload})},
      SubscriptionRequest{"ev", false},
  };
  for (auto enc : {Encoding::Json, Encoding::Cbor, Encoding::Bare}) {
    SCOPED_TRACE(encoding_name(enc));
    for (const auto& msg : to_client) {
      auto back = decode_to_client(encode_to_client(msg, enc), enc);
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, msg);
    }
    for (const auto& msg : to_server) {
      auto back = decode_to_server(encode_to_server(msg, enc), enc);
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, msg);
    }
    QueueSendRequest req{payload, std::nullopt, std::nullopt, 5};
    EXPECT_EQ(*decode_http_queue_send_request(encode_http_queue_send_request(req, enc), enc), req);
    QueueSendResponse resp{"timedOut", payload};
    EXPECT_EQ(*decode_http_queue_send_response(encode_http_queue_send_response(resp, enc), enc),
              resp);
    HttpError err{"g", "c", "m", payload, std::nullopt};
    EXPECT_EQ(*decode_http_error(encode_http_error(err, enc), enc), err);
    EXPECT_EQ(*decode_http_action_response(encode_http_action_response(payload, enc), enc),
              payload);
    EXPECT_EQ(
        *decode_http_action_request(encode_http_action_request(Value::array({payload}), enc), enc),
        Value::array({payload}));
  }
}

// -- lenient server-side decoding --------------------------------------------------------------

TEST(Messages, ServerAcceptsIdsInAnyForm) {
  auto json_id = decode_to_server(
      from_text(R"({"body":{"tag":"ActionRequest","val":{"id":42,"name":"a","args":[]}}})"),
      Encoding::Json);
  ASSERT_TRUE(json_id);
  EXPECT_EQ(std::get<ActionRequest>(*json_id).id, 42U);
  // serde_cbor style: minimal map headers and a one-byte id.
  Value tree = {
      {"body",
       {{"tag", "ActionRequest"}, {"val", {{"id", 3}, {"name", "a"}, {"args", Value::array()}}}}}};
  Bytes minimal = encode_compat_cbor(tree);
  auto cbor_id = decode_to_server(minimal, Encoding::Cbor);
  ASSERT_TRUE(cbor_id) << cbor_id.error().message;
  EXPECT_EQ(std::get<ActionRequest>(*cbor_id).id, 3U);
  auto a1 =
      decode_to_server(from_hex("a164626f6479a2637461676d416374696f6e526571756573746376616ca3626964"
                                "18ff646e616d6561616461726773 80"),
                       Encoding::Cbor);
  ASSERT_TRUE(a1) << a1.error().message;
  EXPECT_EQ(std::get<ActionRequest>(*a1).id, 255U);
}

TEST(Messages, ArgsNormalisation) {
  auto args = [](std::string_view body) {
    auto r = decode_http_action_request(from_text(body), Encoding::Json);
    EXPECT_TRUE(r) << body;
    return r ? r->dump() : std::string();
  };
  EXPECT_EQ(args(R"({"args":[1,2]})"), "[1,2]");
  EXPECT_EQ(args(R"({"args":null})"), "[]");
  EXPECT_EQ(args(R"({})"), "[]");
  EXPECT_EQ(args(R"({"args":7})"), "[7]");
  EXPECT_EQ(args(R"({"args":{"a":1}})"), R"([{"a":1}])");
  EXPECT_EQ(args(R"({"args":["$BigInt","5"]})"), R"([["$BigInt","5"]])");
  EXPECT_EQ(args(R"({"args":["$$x",1]})"), R"(["$$x",1])");
  EXPECT_EQ(args(R"({"args":["$Undefined",0]})"), "[]");
  auto cbor = decode_http_action_request(from_hex("b90001646172677305"), Encoding::Cbor);
  ASSERT_TRUE(cbor);
  EXPECT_EQ(cbor->dump(), "[5]");
  EXPECT_FALSE(decode_http_action_request(from_text("[1]"), Encoding::Json));
}

TEST(Messages, BareAcceptsOlderVersions) {
  // v1 Init carries a connection token.
  auto v1 = decode_to_client(from_hex("0100000361626302633103746f6b"), Encoding::Bare);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(*v1, ToClient(Init{"abc", "c1"}));
  // v3 Error has no actor field.
  auto v3 = decode_to_client(from_hex("03000104757365720a757365725f6572726f7204626f6f6d000103"),
                             Encoding::Bare);
  ASSERT_TRUE(v3) << v3.error().message;
  EXPECT_EQ(std::get<ErrorMessage>(*v3).action_id, 3U);
  for (std::string_view version : {"0100", "0200", "0300"}) {
    auto req = decode_to_server(from_hex(std::string(version) + "0000"
                                                                "09696e6372656d656e74028105"),
                                Encoding::Bare);
    ASSERT_TRUE(req) << version;
    EXPECT_EQ(*req, ToServer(kIncrement));
  }
  auto v3_queue = decode_http_queue_send_request(from_hex("030006b9000161780100"
                                                          "0000"),
                                                 Encoding::Bare);
  ASSERT_TRUE(v3_queue) << v3_queue.error().message;
  EXPECT_FALSE(decode_http_queue_send_request(from_hex("020006b9000161780100"
                                                       "0000"),
                                              Encoding::Bare));
  auto v3_err = decode_http_error(from_hex("03000161016201630000"), Encoding::Bare);
  ASSERT_FALSE(v3_err);  // one byte too many for v3 (the actor option does not exist there)
  EXPECT_TRUE(decode_http_error(from_hex("030001610162016300"), Encoding::Bare));
}

// -- rejection ---------------------------------------------------------------------------------

TEST(Messages, BareRejections) {
  const std::string_view bad[] = {
      "0400000009696e6372656d656e74028105"
      "00",                                    // trailing byte
      "0500000009696e6372656d656e74028105",    // version 5
      "0000000009696e6372656d656e74028105",    // version 0
      "040000800009696e6372656d656e74028105",  // non-canonical uint id
      "040001086e6577436f756e7402",            // bool 2
      "0400010263c301",                        // invalid UTF-8 event name
      "04000200",                              // truncated
      "040002",                                // unknown ToServer tag
      "04000000016102826424466f6f01",          // args with unknown compat tag ["$Foo",1]
      "040000000161038105",                    // args CBOR longer than its data
      "04000000016101ff",                      // args not CBOR
  };
  for (auto hex : bad) {
    auto r = decode_to_server(from_hex(hex), Encoding::Bare);
    ASSERT_FALSE(r) << hex;
    EXPECT_TRUE(r.error().is("actor", "invalid_request")) << hex;
  }
  EXPECT_FALSE(decode_to_client(from_hex("040004"), Encoding::Bare));
  EXPECT_FALSE(decode_http_queue_send_response(from_hex("040003626f6f00"), Encoding::Bare));
}

TEST(Messages, JsonAndCborRejections) {
  const std::string_view bad_json[] = {
      "",
      "{",
      "[]",
      R"({"body":{"tag":"Nope","val":{}}})",
      R"({"body":{"tag":"ActionRequest","val":{"id":-1,"name":"a","args":[]}}})",
      R"({"body":{"tag":"ActionRequest","val":{"id":1.5,"name":"a","args":[]}}})",
      R"({"body":{"tag":"ActionRequest","val":{"id":["$BigInt","x"],"name":"a","args":[]}}})",
      R"({"body":{"tag":"ActionRequest","val":{"id":1,"name":5,"args":[]}}})",
      R"({"body":{"tag":"ActionRequest","val":{"id":1,"name":"a","args":[["$Foo",1]]}}})",
      R"({"body":{"tag":"SubscriptionRequest","val":{"eventName":"e","subscribe":1}}})",
      R"({"body":{"tag":"ActionRequest"}})",
  };
  for (auto body : bad_json) {
    auto r = decode_to_server(from_text(body), Encoding::Json);
    ASSERT_FALSE(r) << body;
    EXPECT_TRUE(r.error().is("actor", "invalid_request")) << body;
  }
  EXPECT_FALSE(decode_to_server(from_hex("b9000164626f6479"), Encoding::Cbor));
  EXPECT_FALSE(decode_to_server(from_hex("f6"), Encoding::Cbor));
  EXPECT_FALSE(
      decode_http_queue_send_request(from_text(R"({"body":1,"wait":"yes"})"), Encoding::Json));
  EXPECT_FALSE(
      decode_http_queue_send_request(from_text(R"({"body":1,"timeout":-5})"), Encoding::Json));
  EXPECT_FALSE(decode_http_queue_send_response(from_text(R"({"status":"done"})"), Encoding::Json));
}

TEST(Messages, QueueTimeoutAcceptsJsNumbers) {
  auto r =
      decode_http_queue_send_request(from_text(R"({"body":1,"timeout":250.0})"), Encoding::Json);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->timeout_ms, 250U);
  EXPECT_FALSE(r->wait);
  EXPECT_FALSE(r->name);
  auto missing_body = decode_http_queue_send_request(from_text(R"({"name":"q"})"), Encoding::Json);
  ASSERT_TRUE(missing_body);
  EXPECT_TRUE(is_undefined(missing_body->body));
}


TEST(Messages, EscapedPairsStayEscapedTowardsCborClients) {
  const Value escaped = Value::parse(R"(["$$x",1])");
  auto bytes = encode_to_client(ActionResponse{1, escaped}, Encoding::Cbor);
  // The client decodes with cbor-x then revives compat tags, turning "$$x" back into "$x".
  const std::string hex = to_hex(bytes);
  EXPECT_NE(hex.find("826324247801"), std::string::npos) << hex;
  // A raw client array ["$x",1] arrives escaped.
  auto req = decode_http_action_request(from_hex("b900016461726773818262247801"), Encoding::Cbor);
  ASSERT_TRUE(req);
  EXPECT_EQ(*req, Value::parse(R"([["$$x",1]])"));
}

TEST(Messages, TheClientSideOfCborIsTheInverseOfTheServerSide) {
  // Compat values as a client holds them: an escaped user pair, tags, nesting.
  const Value args = Value::parse(
      R"([["$$x",1],["$BigInt","123456789012345678901"],{"y":["$$",null],"z":["$Uint8Array","AAE="]}])");
  // Client -> server: the client writes raw CBOR (no escapes), the server reads compat.
  auto request = encode_to_server(ActionRequest{7, "go", args}, Encoding::Cbor);
  auto read = decode_to_server(request, Encoding::Cbor);
  ASSERT_TRUE(read);
  EXPECT_EQ(std::get<ActionRequest>(*read).args, args);
  // The raw form of ["$$x",1] on the wire is ["$x",1] (82 62 2478 01).
  EXPECT_NE(to_hex(request).find("8262247801"), std::string::npos) << to_hex(request);
  auto http = decode_http_action_request(encode_http_action_request(args, Encoding::Cbor),
                                         Encoding::Cbor);
  ASSERT_TRUE(http);
  EXPECT_EQ(*http, args);
  // Server -> client: the server keeps escapes, the client reads them as they are.
  auto response = decode_to_client(encode_to_client(ActionResponse{7, args}, Encoding::Cbor),
                                   Encoding::Cbor);
  ASSERT_TRUE(response);
  EXPECT_EQ(std::get<ActionResponse>(*response).output, args);
  auto output = decode_http_action_response(encode_http_action_response(args, Encoding::Cbor),
                                            Encoding::Cbor);
  ASSERT_TRUE(output);
  EXPECT_EQ(*output, args);
}

}  // namespace
}  // namespace rivet::protocol
