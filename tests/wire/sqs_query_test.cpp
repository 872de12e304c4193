// The SQS query protocol as Debian's awscli 2.9 and python3-boto3 1.26 speak it: form-encoded
// requests, XML answers, <ErrorResponse> errors. Expected shapes are AWS's documented ones
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-responses.html)
// and the element names of the query model botocore 1.29.27 parses
// (github.com/boto/botocore, botocore/data/sqs/2012-11-05/service-2.json).
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using wire_test::query;
using wire_test::world;

namespace {

const std::string k_url = "http%3A%2F%2F127.0.0.1%3A4566%2F123456789012%2Fq";
const std::string k_client_url = "http://127.0.0.1:4566/123456789012/q";

bool has(const std::string& body, const std::string& part) {
  if (body.find(part) != std::string::npos) return true;
  BOOST_TEST_MESSAGE("missing " << part << " in " << body);
  return false;
}

// The text of the first <name> element.
std::string element(const std::string& body, const std::string& name) {
  const std::size_t a = body.find("<" + name + ">");
  if (a == std::string::npos) return {};
  const std::size_t start = a + name.size() + 2;
  return body.substr(start, body.find("</" + name + ">", start) - start);
}

void create(world& w, const std::string& extra = "") {
  const wire::http_response r =
      w.send(query("Action=CreateQueue&Version=2012-11-05&QueueName=q" + extra));
  BOOST_TEST_REQUIRE(r.status == 200);
}

void send(world& w, const std::string& body) {
  BOOST_TEST_REQUIRE(w.send(query("Action=SendMessage&Version=2012-11-05&QueueUrl=" + k_url +
                                  "&MessageBody=" + body))
                         .status == 200);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqs_query_test)

BOOST_AUTO_TEST_CASE(create_queue_answers_the_queue_url_on_this_endpoint) {
  world w;
  const wire::http_response r = w.send(
      query("Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=VisibilityTimeout"
            "&Attribute.1.Value=45&Tag.1.Key=team&Tag.1.Value=ml"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header_value("content-type") == "text/xml");
  BOOST_TEST(r.header_value("x-amzn-RequestId") == "req-1");
  BOOST_TEST(has(r.body,
                 "<CreateQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
                 "<CreateQueueResult><QueueUrl>" +
                     k_client_url + "</QueueUrl></CreateQueueResult>"));
  BOOST_TEST(has(r.body,
                 "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
                 "</CreateQueueResponse>"));
  // The attribute reached the queue.
  const wire::http_response a =
      w.send(query("Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=" + k_url +
                   "&AttributeName.1=VisibilityTimeout"));
  BOOST_TEST(has(a.body,
                 "<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name>"
                 "<Value>45</Value></Attribute></GetQueueAttributesResult>"));
}

BOOST_AUTO_TEST_CASE(get_queue_url_and_list_queues) {
  world w;
  create(w);
  BOOST_TEST(element(w.send(query("Action=GetQueueUrl&Version=2012-11-05&QueueName=q")).body,
                     "QueueUrl") == k_client_url);
  // A flattened list: <QueueUrl> repeated directly under the result, no wrapper.
  const wire::http_response l = w.send(query("Action=ListQueues&Version=2012-11-05"));
  BOOST_TEST(has(l.body,
                 "<ListQueuesResult><QueueUrl>" + k_client_url + "</QueueUrl></ListQueuesResult>"));
  // No queue matches: an empty <ListQueuesResult/> element is still required by botocore 1.29.
  const wire::http_response none =
      w.send(query("Action=ListQueues&Version=2012-11-05&QueueNamePrefix=zzz"));
  BOOST_TEST(has(none.body, "<ListQueuesResult></ListQueuesResult>"));
}

BOOST_AUTO_TEST_CASE(set_and_get_queue_attributes) {
  world w;
  create(w);
  const wire::http_response s =
      w.send(query("Action=SetQueueAttributes&Version=2012-11-05&QueueUrl=" + k_url +
                   "&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5"));
  BOOST_TEST(s.status == 200);
  // No output shape: no Result element, metadata only.
  BOOST_TEST(has(s.body,
                 "<SetQueueAttributesResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
                 "<ResponseMetadata>"));
  BOOST_TEST(s.body.find("SetQueueAttributesResult") == std::string::npos);
  const wire::http_response g =
      w.send(query("Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=" + k_url +
                   "&AttributeName.1=DelaySeconds&AttributeName.2=QueueArn"));
  BOOST_TEST(has(g.body, "<Attribute><Name>DelaySeconds</Name><Value>5</Value></Attribute>"));
  BOOST_TEST(has(g.body,
                 "<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:123456789012:q</"
                 "Value></Attribute>"));
}

BOOST_AUTO_TEST_CASE(send_message_returns_the_md5_of_the_body) {
  world w;
  create(w);
  // The captured botocore body, with message attributes of both kinds.
  const wire::http_response r = w.send(query(
      "Action=SendMessage&Version=2012-11-05&QueueUrl=" + k_url +
      "&MessageBody=hi&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String"
      "&MessageAttribute.1.Value.StringValue=v&MessageAttribute.2.Name=b"
      "&MessageAttribute.2.Value.DataType=Binary&MessageAttribute.2.Value.BinaryValue=AAE%3D"));
  BOOST_TEST(r.status == 200);
  // RFC 1321 MD5 of "hi".
  BOOST_TEST(element(r.body, "MD5OfMessageBody") == "49f68a5c8493ec2c0bf489821c21fc3b");
  BOOST_TEST(element(r.body, "MD5OfMessageAttributes").size() == 32U);
  BOOST_TEST(!element(r.body, "MessageId").empty());
  BOOST_TEST(has(r.body, "<SendMessageResponse"));
}

BOOST_AUTO_TEST_CASE(receive_message_flattens_attributes_and_message_attributes) {
  world w;
  create(w);
  BOOST_TEST_REQUIRE(w.send(query("Action=SendMessage&Version=2012-11-05&QueueUrl=" + k_url +
                                  "&MessageBody=hello+world&MessageAttribute.1.Name=a"
                                  "&MessageAttribute.1.Value.DataType=String"
                                  "&MessageAttribute.1.Value.StringValue=v"))
                         .status == 200);
  const wire::http_response r =
      w.send(query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url +
                   "&AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=10"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(has(r.body, "<ReceiveMessageResult><Message><"));
  BOOST_TEST(element(r.body, "Body") == "hello world");
  BOOST_TEST(element(r.body, "MD5OfBody") == "5eb63bbbe01eeed093cb22bb8f5acdc3");
  BOOST_TEST(!element(r.body, "ReceiptHandle").empty());
  BOOST_TEST(
      has(r.body, "<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>"));
  // Timestamps are virtual: epoch milliseconds of 2026-01-01T00:00:00Z at virtual time 0.
  BOOST_TEST(
      has(r.body, "<Attribute><Name>SentTimestamp</Name><Value>1767225600000</Value></Attribute>"));
  // Only Name and Value inside a flattened map entry; the value is a structure here.
  BOOST_TEST(has(r.body,
                 "<MessageAttribute><Name>a</Name><Value><StringValue>v</StringValue>"
                 "<DataType>String</DataType></Value></MessageAttribute>"));
  // Nothing left to receive: an empty result element, no Message.
  const wire::http_response empty =
      w.send(query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url));
  BOOST_TEST(has(empty.body, "<ReceiveMessageResult></ReceiveMessageResult>"));
}

BOOST_AUTO_TEST_CASE(a_carriage_return_in_a_body_is_sent_as_a_character_reference) {
  world w;
  create(w);
  send(w, "a%0Db%26%3C");
  const wire::http_response r =
      w.send(query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url));
  BOOST_TEST(element(r.body, "Body") == "a&#xD;b&amp;&lt;");
}

BOOST_AUTO_TEST_CASE(delete_message_and_change_message_visibility) {
  world w;
  create(w);
  send(w, "x");
  const std::string handle =
      element(w.send(query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url)).body,
              "ReceiptHandle");
  BOOST_TEST_REQUIRE(!handle.empty());
  const wire::http_response c =
      w.send(query("Action=ChangeMessageVisibility&Version=2012-11-05&QueueUrl=" + k_url +
                   "&ReceiptHandle=" + handle + "&VisibilityTimeout=60"));
  BOOST_TEST(c.status == 200);
  BOOST_TEST(has(c.body, "<ChangeMessageVisibilityResponse"));
  const wire::http_response d = w.send(query(
      "Action=DeleteMessage&Version=2012-11-05&QueueUrl=" + k_url + "&ReceiptHandle=" + handle));
  BOOST_TEST(d.status == 200);
  BOOST_TEST(has(d.body,
                 "<DeleteMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
                 "<ResponseMetadata><RequestId>"));
}

BOOST_AUTO_TEST_CASE(batch_operations_name_their_entries_per_operation) {
  world w;
  create(w);
  const wire::http_response s = w.send(
      query("Action=SendMessageBatch&Version=2012-11-05&QueueUrl=" + k_url +
            "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one"
            "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two"
            "&SendMessageBatchRequestEntry.2.DelaySeconds=901"));
  BOOST_TEST(s.status == 200);
  BOOST_TEST(has(s.body, "<SendMessageBatchResultEntry><Id>a</Id>"));
  BOOST_TEST(has(s.body, "<MD5OfMessageBody>f97c5d29941bfb1b2fdab0874906ab82</MD5OfMessageBody>"));
  // A per-entry failure comes back with HTTP 200 as a BatchResultErrorEntry.
  BOOST_TEST(has(s.body,
                 "<BatchResultErrorEntry><Code>InvalidParameterValue</Code><Id>b</Id>"
                 "<Message>"));
  BOOST_TEST(has(s.body, "<SenderFault>true</SenderFault></BatchResultErrorEntry>"));

  send(w, "three");
  const wire::http_response r = w.send(query(
      "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url + "&MaxNumberOfMessages=10"));
  // (No std::regex: g++ 12 warns inside <regex> under the sanitizers, and CI builds -Werror.)
  std::vector<std::string> handles;
  for (std::size_t at = r.body.find("<ReceiptHandle>"); at != std::string::npos;
       at = r.body.find("<ReceiptHandle>", at + 1)) {
    const std::size_t start = at + 15;
    handles.push_back(r.body.substr(start, r.body.find("</ReceiptHandle>", start) - start));
  }
  BOOST_TEST_REQUIRE(handles.size() == 2U);
  const wire::http_response c = w.send(
      query("Action=ChangeMessageVisibilityBatch&Version=2012-11-05&QueueUrl=" + k_url +
            "&ChangeMessageVisibilityBatchRequestEntry.1.Id=h1"
            "&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=" +
            handles[0] + "&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=100"));
  BOOST_TEST(has(c.body,
                 "<ChangeMessageVisibilityBatchResult><ChangeMessageVisibilityBatchResultEntry>"
                 "<Id>h1</Id></ChangeMessageVisibilityBatchResultEntry>"));
  const wire::http_response d = w.send(query(
      "Action=DeleteMessageBatch&Version=2012-11-05&QueueUrl=" + k_url +
      "&DeleteMessageBatchRequestEntry.1.Id=d1&DeleteMessageBatchRequestEntry.1.ReceiptHandle=" +
      handles[0] +
      "&DeleteMessageBatchRequestEntry.2.Id=d2"
      "&DeleteMessageBatchRequestEntry.2.ReceiptHandle=" +
      handles[1]));
  BOOST_TEST(has(d.body,
                 "<DeleteMessageBatchResultEntry><Id>d1</Id></DeleteMessageBatchResultEntry>"
                 "<DeleteMessageBatchResultEntry><Id>d2</Id></DeleteMessageBatchResultEntry>"));
  // More than ten entries: the legacy code of TooManyEntriesInBatchRequest.
  std::string many = "Action=DeleteMessageBatch&Version=2012-11-05&QueueUrl=" + k_url;
  for (int i = 1; i <= 11; ++i) {
    many += "&DeleteMessageBatchRequestEntry." + std::to_string(i) + ".Id=e" + std::to_string(i) +
            "&DeleteMessageBatchRequestEntry." + std::to_string(i) + ".ReceiptHandle=x";
  }
  const wire::http_response too_many = w.send(query(many));
  BOOST_TEST(too_many.status == 400);
  BOOST_TEST(element(too_many.body, "Code") ==
             "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
}

BOOST_AUTO_TEST_CASE(purge_and_delete_queue) {
  world w;
  create(w);
  const wire::http_response p =
      w.send(query("Action=PurgeQueue&Version=2012-11-05&QueueUrl=" + k_url));
  BOOST_TEST(p.status == 200);
  BOOST_TEST(has(p.body, "<PurgeQueueResponse"));
  const wire::http_response again =
      w.send(query("Action=PurgeQueue&Version=2012-11-05&QueueUrl=" + k_url));
  BOOST_TEST(again.status == 403);
  BOOST_TEST(element(again.body, "Code") == "AWS.SimpleQueueService.PurgeQueueInProgress");
  const wire::http_response d =
      w.send(query("Action=DeleteQueue&Version=2012-11-05&QueueUrl=" + k_url));
  BOOST_TEST(d.status == 200);
  BOOST_TEST(has(d.body, "<DeleteQueueResponse"));
}

BOOST_AUTO_TEST_CASE(a_missing_queue_is_the_legacy_non_existent_queue_error) {
  world w;
  const wire::http_response r =
      w.send(query("Action=SendMessage&Version=2012-11-05&QueueUrl=" + k_url + "&MessageBody=x"));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.header_value("content-type") == "text/xml");
  BOOST_TEST(has(r.body,
                 "<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error>"
                 "<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
                 "<Message>"));
  BOOST_TEST(has(r.body, "<Detail/></Error><RequestId>req-1</RequestId></ErrorResponse>"));
  // The queue URL may also be a bare name or an AWS-style URL: the last two segments count.
  create(w);
  BOOST_TEST(
      w.send(query("Action=SendMessage&Version=2012-11-05&QueueUrl=q&MessageBody=x")).status ==
      200);
  BOOST_TEST(w.send(query("Action=SendMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs."
                          "us-east-1.amazonaws.com%2F123456789012%2Fq&MessageBody=x"))
                 .status == 200);
}

BOOST_AUTO_TEST_CASE(a_request_sent_to_the_queue_path_addresses_that_queue) {
  world w;
  create(w);
  wire::http_request r = query("Action=SendMessage&Version=2012-11-05&MessageBody=x");
  r.target = "/123456789012/q";
  BOOST_TEST(w.send(r).status == 200);
}

BOOST_AUTO_TEST_CASE(protocol_errors) {
  world w;
  const wire::http_response missing_param =
      w.send(query("Action=SendMessage&Version=2012-11-05&MessageBody=x"));
  BOOST_TEST(missing_param.status == 400);
  BOOST_TEST(element(missing_param.body, "Code") == "MissingParameter");
  BOOST_TEST(element(missing_param.body, "Message") ==
             "The request must contain the parameter QueueUrl.");

  const wire::http_response unknown = w.send(query("Action=Frobnicate&Version=2012-11-05"));
  BOOST_TEST(unknown.status == 400);
  BOOST_TEST(element(unknown.body, "Code") == "InvalidAction");
  BOOST_TEST(element(unknown.body, "Type") == "Sender");

  const wire::http_response no_action = w.send(query("Version=2012-11-05"));
  BOOST_TEST(no_action.status == 400);
  BOOST_TEST(element(no_action.body, "Code") == "MissingAction");

  create(w);
  const wire::http_response range = w.send(query(
      "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url + "&MaxNumberOfMessages=11"));
  BOOST_TEST(range.status == 400);
  BOOST_TEST(element(range.body, "Code") == "InvalidParameterValue");

  const wire::http_response not_a_number = w.send(query(
      "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url + "&WaitTimeSeconds=soon"));
  BOOST_TEST(not_a_number.status == 400);
  BOOST_TEST(element(not_a_number.body, "Code") == "InvalidParameterValue");

  const wire::http_response bad_escape = w.send(query("Action=ListQueues&QueueNamePrefix=%zz"));
  BOOST_TEST(bad_escape.status == 400);
  BOOST_TEST(element(bad_escape.body, "Code") == "MalformedQueryString");
}

BOOST_AUTO_TEST_CASE(an_empty_list_is_the_bare_key) {
  world w;
  create(w);
  send(w, "x");
  // botocore sends AttributeName= for an empty list: no attributes asked for.
  const wire::http_response r = w.send(
      query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=" + k_url + "&AttributeName="));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.find("<Attribute>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(get_requests_carry_the_parameters_in_the_url) {
  world w;
  wire::http_request r;
  r.method = "GET";
  r.target = "/?Action=CreateQueue&Version=2012-11-05&QueueName=q";
  r.headers = {{"Host", "127.0.0.1:4566"}};
  BOOST_TEST(element(w.send(r).body, "QueueUrl") == k_client_url);
}

BOOST_AUTO_TEST_SUITE_END()
