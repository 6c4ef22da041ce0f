#include "proto/records.h"

namespace paddock::proto {

void Id::Encode(JuteWriter& w) const {
  w.String(scheme);
  w.String(id);
}
bool Id::Decode(JuteReader& r) { return r.String(&scheme) && r.String(&id); }

void Acl::Encode(JuteWriter& w) const {
  w.Int(perms);
  id.Encode(w);
}
bool Acl::Decode(JuteReader& r) { return r.Int(&perms) && id.Decode(r); }

void Stat::Encode(JuteWriter& w) const {
  w.Long(czxid);
  w.Long(mzxid);
  w.Long(ctime);
  w.Long(mtime);
  w.Int(version);
  w.Int(cversion);
  w.Int(aversion);
  w.Long(ephemeral_owner);
  w.Int(data_length);
  w.Int(num_children);
  w.Long(pzxid);
}
bool Stat::Decode(JuteReader& r) {
  return r.Long(&czxid) && r.Long(&mzxid) && r.Long(&ctime) && r.Long(&mtime) &&
         r.Int(&version) && r.Int(&cversion) && r.Int(&aversion) && r.Long(&ephemeral_owner) &&
         r.Int(&data_length) && r.Int(&num_children) && r.Long(&pzxid);
}

void ConnectRequest::Encode(JuteWriter& w) const {
  w.Int(protocol_version);
  w.Long(last_zxid_seen);
  w.Int(timeout_ms);
  w.Long(session_id);
  w.String(passwd);
  if (has_read_only) w.Bool(read_only);
}
bool ConnectRequest::Decode(JuteReader& r) {
  if (!(r.Int(&protocol_version) && r.Long(&last_zxid_seen) && r.Int(&timeout_ms) &&
        r.Long(&session_id) && r.String(&passwd))) {
    return false;
  }
  has_read_only = !r.AtEnd();
  read_only = false;
  if (has_read_only) r.Bool(&read_only);
  return r.ok();
}

void ConnectResponse::Encode(JuteWriter& w) const {
  w.Int(protocol_version);
  w.Int(timeout_ms);
  w.Long(session_id);
  w.String(passwd);
  if (has_read_only) w.Bool(read_only);
}
bool ConnectResponse::Decode(JuteReader& r) {
  if (!(r.Int(&protocol_version) && r.Int(&timeout_ms) && r.Long(&session_id) &&
        r.String(&passwd))) {
    return false;
  }
  has_read_only = !r.AtEnd();
  read_only = false;
  if (has_read_only) r.Bool(&read_only);
  return r.ok();
}

void RequestHeader::Encode(JuteWriter& w) const {
  w.Int(xid);
  w.Int(type);
}
bool RequestHeader::Decode(JuteReader& r) { return r.Int(&xid) && r.Int(&type); }

void ReplyHeader::Encode(JuteWriter& w) const {
  w.Int(xid);
  w.Long(zxid);
  w.Int(err);
}
bool ReplyHeader::Decode(JuteReader& r) { return r.Int(&xid) && r.Long(&zxid) && r.Int(&err); }

void AuthPacket::Encode(JuteWriter& w) const {
  w.Int(type);
  w.String(scheme);
  w.Buf(auth);
}
bool AuthPacket::Decode(JuteReader& r) {
  return r.Int(&type) && r.String(&scheme) && r.Buf(&auth);
}

void CreateRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Buf(data);
  w.RecordVector(acl);
  w.Int(flags);
}
bool CreateRequest::Decode(JuteReader& r) {
  return r.String(&path) && r.Buf(&data) && r.RecordVector(&acl) && r.Int(&flags);
}

void CreateTTLRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Buf(data);
  w.RecordVector(acl);
  w.Int(flags);
  w.Long(ttl);
}
bool CreateTTLRequest::Decode(JuteReader& r) {
  return r.String(&path) && r.Buf(&data) && r.RecordVector(&acl) && r.Int(&flags) &&
         r.Long(&ttl);
}

void PathRequest::Encode(JuteWriter& w) const { w.String(path); }
bool PathRequest::Decode(JuteReader& r) { return r.String(&path); }

void PathWatchRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Bool(watch);
}
bool PathWatchRequest::Decode(JuteReader& r) { return r.String(&path) && r.Bool(&watch); }

void Create2Response::Encode(JuteWriter& w) const {
  w.String(path);
  stat.Encode(w);
}
bool Create2Response::Decode(JuteReader& r) { return r.String(&path) && stat.Decode(r); }

void DeleteRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Int(version);
}
bool DeleteRequest::Decode(JuteReader& r) { return r.String(&path) && r.Int(&version); }

void StatResponse::Encode(JuteWriter& w) const { stat.Encode(w); }
bool StatResponse::Decode(JuteReader& r) { return stat.Decode(r); }

void GetDataResponse::Encode(JuteWriter& w) const {
  w.Buf(data);
  stat.Encode(w);
}
bool GetDataResponse::Decode(JuteReader& r) { return r.Buf(&data) && stat.Decode(r); }

void SetDataRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Buf(data);
  w.Int(version);
}
bool SetDataRequest::Decode(JuteReader& r) {
  return r.String(&path) && r.Buf(&data) && r.Int(&version);
}

void GetACLResponse::Encode(JuteWriter& w) const {
  w.RecordVector(acl);
  stat.Encode(w);
}
bool GetACLResponse::Decode(JuteReader& r) { return r.RecordVector(&acl) && stat.Decode(r); }

void SetACLRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.RecordVector(acl);
  w.Int(version);
}
bool SetACLRequest::Decode(JuteReader& r) {
  return r.String(&path) && r.RecordVector(&acl) && r.Int(&version);
}

void StringListResponse::Encode(JuteWriter& w) const { w.StringVector(items); }
bool StringListResponse::Decode(JuteReader& r) { return r.StringVector(&items); }

void GetChildren2Response::Encode(JuteWriter& w) const {
  w.StringVector(children);
  stat.Encode(w);
}
bool GetChildren2Response::Decode(JuteReader& r) {
  return r.StringVector(&children) && stat.Decode(r);
}

void IntResponse::Encode(JuteWriter& w) const { w.Int(value); }
bool IntResponse::Decode(JuteReader& r) { return r.Int(&value); }

void SetWatches::Encode(JuteWriter& w) const {
  w.Long(relative_zxid);
  w.StringVector(data_watches);
  w.StringVector(exist_watches);
  w.StringVector(child_watches);
  if (v2) {
    w.StringVector(persistent_watches);
    w.StringVector(persistent_recursive_watches);
  }
}
bool SetWatches::Decode(JuteReader& r) {
  bool ok = r.Long(&relative_zxid) && r.StringVector(&data_watches) &&
            r.StringVector(&exist_watches) && r.StringVector(&child_watches);
  if (ok && v2) {
    ok = r.StringVector(&persistent_watches) && r.StringVector(&persistent_recursive_watches);
  }
  return ok;
}

void AddWatchRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Int(mode);
}
bool AddWatchRequest::Decode(JuteReader& r) { return r.String(&path) && r.Int(&mode); }

void WatchesRequest::Encode(JuteWriter& w) const {
  w.String(path);
  w.Int(type);
}
bool WatchesRequest::Decode(JuteReader& r) { return r.String(&path) && r.Int(&type); }

void WatcherEvent::Encode(JuteWriter& w) const {
  w.Int(type);
  w.Int(state);
  w.String(path);
}
bool WatcherEvent::Decode(JuteReader& r) {
  return r.Int(&type) && r.Int(&state) && r.String(&path);
}

void ReconfigRequest::Encode(JuteWriter& w) const {
  w.String(joining_servers);
  w.String(leaving_servers);
  w.String(new_members);
  w.Long(cur_config_id);
}
bool ReconfigRequest::Decode(JuteReader& r) {
  return r.String(&joining_servers) && r.String(&leaving_servers) && r.String(&new_members) &&
         r.Long(&cur_config_id);
}

void MultiHeader::Encode(JuteWriter& w) const {
  w.Int(type);
  w.Bool(done);
  w.Int(err);
}
bool MultiHeader::Decode(JuteReader& r) { return r.Int(&type) && r.Bool(&done) && r.Int(&err); }

void ClientInfo::Encode(JuteWriter& w) const {
  w.String(auth_scheme);
  w.String(user);
}
bool ClientInfo::Decode(JuteReader& r) { return r.String(&auth_scheme) && r.String(&user); }

void WhoAmIResponse::Encode(JuteWriter& w) const { w.RecordVector(client_info); }
bool WhoAmIResponse::Decode(JuteReader& r) { return r.RecordVector(&client_info); }

}  // namespace paddock::proto
