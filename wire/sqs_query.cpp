// The SQS query protocol: how botocore's QuerySerializer flattens a request and what its
// QueryParser reads back (member wire names from the SQS 2012-11-05 query model in
// github.com/boto/botocore, botocore/data/sqs/2012-11-05/service-2.json at 1.29.27).
#include "wire/detail/sqs_query.hpp"

#include "wire/text.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

namespace wire::detail {

using nlohmann::json;

namespace {

struct node {
  std::optional<std::string> value;
  std::map<std::string, node> children;
};

// Children keyed "1", "2", ... in numeric order (a map orders "10" before "2").
std::vector<const node*> indexed(const node& n) {
  std::vector<std::pair<std::uint64_t, const node*>> items;
  for (const auto& [key, child] : n.children) {
    std::uint64_t i = 0;
    bool digits = !key.empty() && key.size() < 10;
    for (const char c : key) {
      if (c < '0' || c > '9')
        digits = false;
      else
        i = i * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) items.emplace_back(i, &child);
  }
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const node*> out;
  for (const auto& item : items) out.push_back(item.second);
  return out;
}

const std::string* leaf(const node& n, const char* key) {
  const auto it = n.children.find(key);
  return it != n.children.end() && it->second.value ? &*it->second.value : nullptr;
}

bool integer_member(const std::string& name) {
  return name == "MaxNumberOfMessages" || name == "VisibilityTimeout" ||
         name == "WaitTimeSeconds" || name == "DelaySeconds" || name == "MaxResults";
}

// A scalar: integers as JSON numbers when they are decimal integers (anything else stays a string
// so the model answers with its InvalidParameterValue text).
json scalar(const std::string& name, const std::string& value) {
  if (integer_member(name) && !value.empty() && value.size() < 18) {
    const bool negative = value[0] == '-';
    bool digits = value.size() > (negative ? 1U : 0U);
    std::int64_t n = 0;
    for (std::size_t i = negative ? 1 : 0; i < value.size(); ++i) {
      if (value[i] < '0' || value[i] > '9')
        digits = false;
      else
        n = n * 10 + (value[i] - '0');
    }
    if (digits) return negative ? -n : n;
  }
  return value;
}

json message_attribute_value(const node& v) {
  json out = json::object();
  for (const char* k : {"DataType", "StringValue", "BinaryValue"}) {
    if (const std::string* s = leaf(v, k)) out[k] = *s;
  }
  return out;
}

json structure(const node& n);

json member(const std::string& name, const node& n, std::string& out_name) {
  // Lists of names.
  for (const char* list : {"AttributeName", "MessageAttributeName", "MessageSystemAttributeName"}) {
    if (name == list) {
      out_name = name + "s";
      json arr = json::array();
      for (const node* item : indexed(n)) {
        if (item->value) arr.push_back(*item->value);
      }
      return arr;
    }
  }
  if (name == "Attribute" || name == "Tag") {
    out_name = name == "Attribute" ? "Attributes" : "tags";
    const char* key = name == "Attribute" ? "Name" : "Key";
    json map = json::object();
    for (const node* item : indexed(n)) {
      const std::string* k = leaf(*item, key);
      const std::string* v = leaf(*item, "Value");
      if (k) map[*k] = v ? *v : std::string();
    }
    return map;
  }
  if (name == "MessageAttribute" || name == "MessageSystemAttribute") {
    out_name = name + "s";
    json map = json::object();
    for (const node* item : indexed(n)) {
      const std::string* k = leaf(*item, "Name");
      const auto v = item->children.find("Value");
      if (k)
        map[*k] = v != item->children.end() ? message_attribute_value(v->second) : json::object();
    }
    return map;
  }
  if (name.size() > 17 && name.compare(name.size() - 17, 17, "BatchRequestEntry") == 0) {
    out_name = "Entries";
    json arr = json::array();
    for (const node* item : indexed(n)) arr.push_back(structure(*item));
    return arr;
  }
  out_name = name;
  return n.value ? scalar(name, *n.value) : structure(n);
}

json structure(const node& n) {
  json out = json::object();
  for (const auto& [name, child] : n.children) {
    std::string out_name;
    json v = member(name, child, out_name);
    // botocore sends an empty list as the bare key ("AttributeName="): no members.
    if (child.children.empty() && child.value && child.value->empty() &&
        (out_name == "AttributeNames" || out_name == "MessageAttributeNames" ||
         out_name == "MessageSystemAttributeNames")) {
      v = json::array();
    }
    out[out_name] = std::move(v);
  }
  return out;
}

void element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  append_xml_escaped(out, text);
  out += "</";
  out += name;
  out += '>';
}

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void write_members(std::string& out, const std::string& operation, const json& obj);

// A map member as flattened entries {Name, Value}: Attribute (string values) or MessageAttribute
// (structure values). botocore rejects any other child of such an entry.
void write_map(std::string& out, const std::string& entry, const json& map) {
  for (const auto& [k, v] : map.items()) {
    out += '<' + entry + '>';
    element(out, "Name", k);
    if (v.is_object()) {
      out += "<Value>";
      for (const char* f : {"StringValue", "BinaryValue", "DataType"}) {
        if (v.contains(f)) element(out, f, text_of(v[f]));
      }
      out += "</Value>";
    } else {
      element(out, "Value", text_of(v));
    }
    out += "</" + entry + '>';
  }
}

std::string list_element(const std::string& operation, const std::string& member) {
  if (member == "QueueUrls") return "QueueUrl";
  if (member == "Messages") return "Message";
  if (member == "Successful") return operation + "ResultEntry";
  if (member == "Failed") return "BatchResultErrorEntry";
  if (member == "AttributeNames") return "AttributeName";
  return member;
}

void write_members(std::string& out, const std::string& operation, const json& obj) {
  for (const auto& [k, v] : obj.items()) {
    if (k == "Attributes" && v.is_object()) {
      write_map(out, "Attribute", v);
    } else if (k == "MessageAttributes" && v.is_object()) {
      write_map(out, "MessageAttribute", v);
    } else if (v.is_array()) {
      const std::string name = list_element(operation, k);
      for (const json& item : v) {
        if (item.is_object()) {
          out += '<' + name + '>';
          write_members(out, operation, item);
          out += "</" + name + '>';
        } else {
          element(out, name, text_of(item));
        }
      }
    } else if (v.is_object()) {
      out += '<' + k + '>';
      write_members(out, operation, v);
      out += "</" + k + '>';
    } else if (!v.is_null()) {
      element(out, k, text_of(v));
    }
  }
}

bool has_result(const std::string& operation) {
  return operation != "DeleteQueue" && operation != "SetQueueAttributes" &&
         operation != "DeleteMessage" && operation != "ChangeMessageVisibility" &&
         operation != "PurgeQueue" && operation != "TagQueue" && operation != "UntagQueue" &&
         operation != "AddPermission" && operation != "RemovePermission";
}

constexpr const char* k_xmlns = "http://queue.amazonaws.com/doc/2012-11-05/";

}  // namespace

json query_to_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  node root;
  for (const auto& [key, value] : pairs) {
    node* n = &root;
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = key.find('.', start);
      n = &n->children[key.substr(start,
                                  dot == std::string::npos ? std::string::npos : dot - start)];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    n->value = value;
  }
  return structure(root);
}

std::string query_success_xml(const std::string& operation, const json& result,
                              const std::string& request_id) {
  std::string out = "<?xml version=\"1.0\"?><" + operation + "Response xmlns=\"" + k_xmlns + "\">";
  // botocore 1.29 requires <OpResult> for every operation with an output, even an empty one.
  if (has_result(operation)) {
    out += '<' + operation + "Result>";
    if (result.is_object()) write_members(out, operation, result);
    out += "</" + operation + "Result>";
  }
  out += "<ResponseMetadata>";
  element(out, "RequestId", request_id);
  out += "</ResponseMetadata></" + operation + "Response>";
  return out;
}

std::string query_error_xml(const std::string& type, const std::string& code,
                            const std::string& message, const std::string& request_id) {
  std::string out =
      std::string("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"") + k_xmlns + "\"><Error>";
  element(out, "Type", type);
  element(out, "Code", code);
  element(out, "Message", message);
  out += "<Detail/></Error>";
  element(out, "RequestId", request_id);
  out += "</ErrorResponse>";
  return out;
}

}  // namespace wire::detail
