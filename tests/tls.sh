#!/usr/bin/env bash
# Mutual TLS on the node port (configs/tls.ini, SQLite), with certificates
# made here by scripts/tls-certs.sh: trusted clients work, untrusted and
# plain ones are refused while the node keeps serving, bad files stop the
# node at startup, and crafted protocol headers are harmless on the TLS port
# (on a plain loopback port one makes the node allocate 4 GiB: shown too,
# when the machine has the memory to spare). Every wait is bounded.
#
#   tls.sh CHECKPOINTD CHECKPOINTCTL REMOTE_CLIENT CONFIGS_DIR
set -uo pipefail

daemon=$1
ctl=$2
remote_client=$3
configs=$4
certs=$(realpath "${BASH_SOURCE%/*}/../scripts/tls-certs.sh")
source "${BASH_SOURCE%/*}/lib.sh"

# crafted_header: a CAF 0.17 protocol header (32 bytes: a client handshake
# declaring a payload of 2^32 - 1 bytes), which the plain node port answers
# by allocating that payload before any check. One write, before the peer
# can have closed the connection (a later one could raise SIGPIPE here).
crafted_header() {
  local zeros='\x00\x00\x00\x00\x00\x00\x00\x00'
  printf '\x01\x00\x00\x00\xff\xff\xff\xff%b' "$zeros$zeros$zeros"
}

# rss_mib: the node's resident memory in MiB.
rss_mib() {
  echo $(($(awk '/^VmRSS:/ {print $2}' "/proc/$node_pid/status") / 1024))
}

# big, small: whether the node holds more than 1 GiB, less than 256 MiB.
big() {
  (($(rss_mib) > 1024))
}
small() {
  (($(rss_mib) < 256))
}

# serves CLIENT...: whether the node answers the client's `groups` with g.
serves() {
  local out
  out=$("$@" --timeout 2 groups 2>/dev/null) && [[ $out == g ]]
}

# bad_start MESSAGE ARGS...: checkpointd with ARGS exits 2 before it
# listens (no `listening on` line), saying MESSAGE.
bad_start() {
  expect 2 "" "$1" -- "$daemon" "${files[@]}" "${@:2}"
}

cd "$work" || exit 1
# tls: the CA the node trusts; rogue: another CA with its own certificates.
if ! "$certs" tls >/dev/null || ! "$certs" rogue >/dev/null; then
  fail "scripts/tls-certs.sh failed"
  finish
fi
trusted=(--tls-certificate tls/client.pem --tls-key tls/client.key
         --tls-ca tls/ca.pem)

echo "== configs/tls.ini: TLS on 0.0.0.0 without checkpoint.node.insecure"
if start_node --config-file="$configs/tls.ini" --checkpoint.node.port=0; then
  [[ $node_line == "listening on 0.0.0.0:$node_port with TLS" ]] ||
    fail "checkpointd started with '$node_line'"
  # Warned before that line, if at all.
  grep -qF "without TLS" "$work/node.err" &&
    fail "a TLS node warned: $(cat "$work/node.err")"
  c=("$ctl" --node "127.0.0.1:$node_port")
  expect 0 "" "" -- "${c[@]}" "${trusted[@]}" ensure g p1
  expect 0 "" "" -- "${c[@]}" "${trusted[@]}" advance g p1 5
  expect 0 "[ 1.0000000001 -> 5.0000000001 )" "" -- \
    "${c[@]}" "${trusted[@]}" refresh g
  # Refused by the node during the handshake: another CA's client, a
  # client without a certificate (plain TCP).
  expect 3 "" "disconnect_during_handshake" -- "${c[@]}" \
    --tls-certificate rogue/client.pem --tls-key rogue/client.key \
    --tls-ca rogue/ca.pem groups
  expect 3 "" "cannot reach node 127.0.0.1:$node_port" -- "${c[@]}" groups
  # Refused by the client before it connects: a certificate that its CA
  # did not sign.
  expect 2 "" "--tls-certificate: rogue/client.pem does not verify against" \
    -- "${c[@]}" --tls-certificate rogue/client.pem \
    --tls-key rogue/client.key --tls-ca tls/ca.pem groups
  expect 0 "g" "" -- "${c[@]}" "${trusted[@]}" groups
  # Other client programs speak TLS through the same options.
  out=$(timeout 20 "$remote_client" --node "127.0.0.1:$node_port" \
    --group payments "${trusted[@]}" 2>"$work/err")
  [[ $out == *"payments: [ 5.0000000000 -> 5.0000000001 )" ]] ||
    fail "remote_client over TLS printed '$out': $(cat "$work/err")"
  # Crafted headers fail the TLS handshake: nothing is allocated, and the
  # node serves while their connections stay open.
  headers=()
  for _ in 1 2 3 4 5; do
    exec {fd}<>"/dev/tcp/127.0.0.1/$node_port"
    crafted_header >&"$fd"
    headers+=("$fd")
  done
  expect 0 $'g\npayments' "" -- "${c[@]}" "${trusted[@]}" groups
  rss=$(rss_mib)
  echo "resident memory after 5 crafted headers on the TLS port: $rss MiB"
  small || fail "the TLS node holds $rss MiB after crafted headers"
  for fd in "${headers[@]}"; do
    exec {fd}<&-
  done
  stop_node
fi

echo "== bad files stop the node at startup, before it listens"
files=(--checkpoint.sqlite.path="$work/bad.db" --checkpoint.node.port=0)
cert=checkpoint.tls.certificate key=checkpoint.tls.key
ca=checkpoint.tls.ca
echo "not a key" >garbage.pem
openssl pkey -in tls/node.key -aes256 -passout pass:secret \
  -out encrypted.key || fail "openssl could not encrypt a key"
# The node's key, certified until yesterday.
openssl x509 -x509toreq -in tls/node.pem -key tls/node.key 2>/dev/null |
  openssl x509 -req -CA tls/ca.pem -CAkey tls/ca.key -days -1 \
    -out expired.pem 2>/dev/null || fail "openssl could not make a certificate"
bad_start "$cert: cannot read missing.pem: No such file or directory" \
  "--$cert=missing.pem" "--$key=tls/node.key" "--$ca=tls/ca.pem"
bad_start "$key: cannot read tls: not a regular file" \
  "--$cert=tls/node.pem" "--$key=tls" "--$ca=tls/ca.pem"
bad_start "$key: garbage.pem holds no unencrypted PEM private key" \
  "--$cert=tls/node.pem" "--$key=garbage.pem" "--$ca=tls/ca.pem"
bad_start "$key: tls/client.key holds no unencrypted PEM private key of the \
certificate tls/node.pem (key values mismatch)" \
  "--$cert=tls/node.pem" "--$key=tls/client.key" "--$ca=tls/ca.pem"
# Not asked for on the terminal: stdin is no terminal here, but OpenSSL's
# default would try.
bad_start "$key: encrypted.key holds no unencrypted PEM private key" \
  "--$cert=tls/node.pem" "--$key=encrypted.key" "--$ca=tls/ca.pem"
bad_start "$ca: cannot read missing.pem: No such file or directory" \
  "--$cert=tls/node.pem" "--$key=tls/node.key" "--$ca=missing.pem"
bad_start "$ca: garbage.pem holds no PEM CA certificate" \
  "--$cert=tls/node.pem" "--$key=tls/node.key" "--$ca=garbage.pem"
bad_start "$cert: tls/node.pem does not verify against the CA in \
rogue/ca.pem" "--$cert=tls/node.pem" "--$key=tls/node.key" "--$ca=rogue/ca.pem"
bad_start "certificate verify failed: Verify error:certificate has expired" \
  "--$cert=expired.pem" "--$key=tls/node.key" "--$ca=tls/ca.pem"
bad_start "$ca: required for TLS" "--$cert=tls/node.pem" "--$key=tls/node.key"
bad_start "openssl.*: not used by checkpointd" --openssl.cafile=tls/ca.pem
expect 2 "" "--tls-key: required for TLS" -- \
  "$ctl" --tls-certificate tls/client.pem --tls-ca tls/ca.pem groups

echo "== one crafted header on a plain loopback node"
available=$(awk '/^MemAvailable:/ {print int($2 / 1048576)}' /proc/meminfo)
if ((available < 8)); then
  echo "skipped: $available GiB available; the node would take 4 GiB"
elif start_node --checkpoint.sqlite.path="$work/plain.db" \
  --checkpoint.node.port=0; then
  p=("$ctl" --node "127.0.0.1:$node_port")
  expect 0 "" "" -- "${p[@]}" ensure g p1
  before=$(rss_mib)
  exec {fd}<>"/dev/tcp/127.0.0.1/$node_port"
  crafted_header >&"$fd"
  eventually 30 big ||
    fail "one crafted header left the node at $(rss_mib) MiB"
  # Serving again once the allocation is done, which it then holds for as
  # long as the connection stays open.
  eventually 30 serves "${p[@]}" ||
    fail "the node did not serve again within 30 s after a crafted header"
  peak=$(rss_mib)
  exec {fd}<&-
  eventually 30 small ||
    fail "the node held $(rss_mib) MiB after the attacker left"
  echo "resident memory: $before MiB, $peak MiB after one crafted header," \
    "$(rss_mib) MiB once its connection closed"
  stop_node
fi

finish
