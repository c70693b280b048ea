#include <checkpoint/checkpoints.hpp>

#include <memory>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/actors/control.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

namespace checkpoint {

namespace {

/// Sends `xs` to `dst` from a scoped actor and waits for the answer `T`.
template <class T, class Handle, class... Ts>
caf::expected<T> call(caf::actor_system& sys, const Handle& dst,
                      caf::timespan timeout, Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::error{}};
  self->request(dst, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

/// `call` for the requests answered with `ok_atom`.
template <class Handle, class... Ts>
caf::error call_ok(caf::actor_system& sys, const Handle& dst,
                   caf::timespan timeout, Ts&&... xs) {
  auto result = call<ok_atom>(sys, dst, timeout, std::forward<Ts>(xs)...);
  return result ? caf::error{} : std::move(result.error());
}

/// Returns what is wrong with `opts`, naming the field, or an empty error.
caf::error check(const checkpoints_options& opts) {
  auto bad = [](const char* field, const std::string& what) {
    return make_error(ec::bad_input, std::string{"checkpoints_options."} + field
                                       + ": " + what);
  };
  if (opts.store != "postgres" && opts.store != "sqlite")
    return bad("store", "expected postgres or sqlite, got '"
                          + printable(opts.store) + "'");
  if (opts.store == "postgres" && opts.dsn.empty())
    return bad("dsn", "required with store = postgres");
  if (opts.store == "postgres" && opts.schema.empty())
    return bad("schema", "must not be empty");
  if (opts.store == "sqlite" && opts.path.empty())
    return bad("path", "must not be empty");
  if (opts.workers < 1)
    return bad("workers", "must be at least 1");
  if (opts.batch_size < 1)
    return bad("batch_size", "must be at least 1");
  if (opts.queue_limit < 1)
    return bad("queue_limit", "must be at least 1");
  if (opts.refresh_interval <= caf::timespan{0})
    return bad("refresh_interval", "must be positive");
  if (opts.lookahead < 0)
    return bad("lookahead",
               "must not be negative, got " + std::to_string(opts.lookahead));
  if (opts.max_future < caf::timespan{0})
    return bad("max_future", "must not be negative (0: no limit)");
  if (opts.timeout <= caf::timespan{0})
    return bad("timeout", "must be positive");
  return {};
}

/// Opens a new connection to the store of `opts`.
store_opener opener(const checkpoints_options& opts) {
  future_limit limit;
  limit.max_future = opts.max_future;
  if (opts.store == "postgres")
    return postgres_opener(postgres_options{opts.dsn, opts.schema}, limit);
  return sqlite_opener(sqlite_options{opts.path}, limit);
}

} // namespace

// -- group --------------------------------------------------------------------

group::group(caf::actor_system& sys, checkpoint::table_group tg,
             group_actor handle, caf::timespan timeout)
  : sys_(&sys),
    table_group_(std::move(tg)),
    actor_(std::move(handle)),
    timeout_(timeout) {
  // nop
}

caf::error group::advance(const std::string& partition, hlc_time ts) const {
  return call_ok(*sys_, actor_, timeout_, advance_atom::value, partition, ts);
}

caf::error group::commit(hlc_range range) const {
  return call_ok(*sys_, actor_, timeout_, commit_atom::value, range);
}

caf::error group::ensure(std::vector<std::string> partitions) const {
  return call_ok(*sys_, actor_, timeout_, ensure_atom::value,
                 std::move(partitions));
}

caf::expected<hlc_range> group::refresh() const {
  return call<hlc_range>(*sys_, actor_, timeout_, refresh_atom::value);
}

caf::expected<hlc_range> group::bounds() const {
  return call<hlc_range>(*sys_, actor_, timeout_, bounds_atom::value);
}

caf::error group::subscribe(const bounds_subscriber& subscriber) const {
  return call_ok(*sys_, actor_, timeout_, subscribe_atom::value, subscriber);
}

caf::error group::unsubscribe(const bounds_subscriber& subscriber) const {
  return call_ok(*sys_, actor_, timeout_, unsubscribe_atom::value, subscriber);
}

// -- checkpoints --------------------------------------------------------------

checkpoints::checkpoints(caf::actor_system& sys, supervisor_actor sup,
                         caf::timespan timeout)
  : sys_(&sys), sup_(std::move(sup)), timeout_(timeout) {
  // nop
}

caf::expected<checkpoints> checkpoints::open(caf::actor_system& sys,
                                             checkpoints_options opts) {
  if (auto err = check(opts))
    return err;
  auto open = opener(opts);
  // Migrating once up front turns an unreachable or unusable store into an
  // error now rather than into failing requests later.
  auto db = open();
  if (!db)
    return std::move(db.error());
  if (auto err = (*db)->migrate())
    return err;
  db->reset();
  supervisor_config cfg;
  cfg.groups.lookahead = opts.lookahead;
  cfg.groups.max_batch = opts.batch_size;
  cfg.groups.max_queue = opts.queue_limit;
  cfg.groups.refresh_interval = opts.refresh_interval;
  cfg.groups.store_timeout = opts.timeout;
  auto pool = spawn_store_pool(sys, opts.store == "sqlite" ? 1 : opts.workers,
                               open);
  auto sup = sys.spawn(supervisor_impl, cfg, pool);
  checkpoints result{sys, sup, opts.timeout};
  result.owned_sup_ = caf::actor_cast<caf::actor>(sup);
  result.pool_ = caf::actor_cast<caf::actor>(pool);
  return result;
}

caf::expected<checkpoints> checkpoints::open_postgres(caf::actor_system& sys,
                                                      std::string dsn,
                                                      std::string schema) {
  checkpoints_options opts;
  opts.store = "postgres";
  opts.dsn = std::move(dsn);
  opts.schema = std::move(schema);
  return open(sys, std::move(opts));
}

caf::expected<checkpoints> checkpoints::open_sqlite(caf::actor_system& sys,
                                                    std::string path) {
  checkpoints_options opts;
  opts.path = std::move(path);
  return open(sys, std::move(opts));
}

checkpoints checkpoints::attach(caf::actor_system& sys, supervisor_actor sup,
                                caf::timespan timeout) {
  return checkpoints{sys, std::move(sup), timeout};
}

checkpoints::checkpoints(checkpoints&& other) noexcept
  : sys_(other.sys_),
    sup_(std::move(other.sup_)),
    timeout_(other.timeout_),
    owned_sup_(std::move(other.owned_sup_)),
    pool_(std::move(other.pool_)) {
  other.owned_sup_ = nullptr;
  other.pool_ = nullptr;
}

checkpoints& checkpoints::operator=(checkpoints&& other) noexcept {
  if (this != &other) {
    shutdown();
    sys_ = other.sys_;
    sup_ = std::move(other.sup_);
    timeout_ = other.timeout_;
    owned_sup_ = std::move(other.owned_sup_);
    pool_ = std::move(other.pool_);
    other.owned_sup_ = nullptr;
    other.pool_ = nullptr;
  }
  return *this;
}

checkpoints::~checkpoints() {
  shutdown();
}

caf::expected<std::vector<std::string>>
checkpoints::scan_for_target_schemas() const {
  return call<std::vector<std::string>>(*sys_, sup_, timeout_,
                                        scan_atom::value);
}

caf::expected<group> checkpoints::start(checkpoint::table_group tg,
                                        group_options opts) const {
  auto handle = call<group_actor>(*sys_, sup_, timeout_, start_atom::value, tg,
                                  opts);
  if (!handle)
    return std::move(handle.error());
  return make_group(std::move(tg), std::move(*handle));
}

group checkpoints::make_group(checkpoint::table_group tg,
                              group_actor handle) const {
  return group{*sys_, std::move(tg), std::move(handle), timeout_};
}

caf::error checkpoints::shutdown() {
  if (!owned_sup_)
    return {};
  auto sup = caf::actor_cast<supervisor_control>(owned_sup_);
  // Each group may take the supervisor's shutdown timeout to drain; leave
  // room for the answer.
  auto timeout = supervisor_config{}.shutdown_timeout + timeout_;
  auto err = call_ok(*sys_, sup, timeout, shutdown_atom::value);
  // An actor still alive keeps the actor system, and the process, from
  // ending.
  if (err)
    caf::anon_send_exit(owned_sup_, caf::exit_reason::kill);
  // The workers outlive the supervisor, which drains through them.
  caf::anon_send_exit(pool_, caf::exit_reason::user_shutdown);
  owned_sup_ = nullptr;
  pool_ = nullptr;
  return err;
}

} // namespace checkpoint
