// The C side of MicroHTTP: libmicrohttpd's header plus the few small wrappers Swift needs.
// Every wrapper is static inline (the Clang importer compiles it into the Swift module) and
// prefixed mhd_shim_; each says why it exists.
//
// SwiftPM does not track this header: after changing only it, `swift build` reuses the old
// MicroHTTP objects (seen with Swift 6.3: the binary kept the previous TLS priority string).
// Touch a file in Sources/MicroHTTP to rebuild.
#ifndef MSID_CMICROHTTPD_SHIM_H
#define MSID_CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <microhttpd.h>

/// Everything mhd_shim_start needs, as plain fields (Swift cannot call the variadic
/// MHD_start_daemon, and building MHD_OptionItem arrays from Swift means casting function
/// pointers to intptr_t; C does both naturally).
struct mhd_shim_config {
    const char *bind_address;          // IPv4 or IPv6 literal, e.g. "127.0.0.1", "::1"
    uint16_t port;                     // 0 = ephemeral
    unsigned int thread_pool_size;     // >= 1
    unsigned int connection_limit;     // 0 = libmicrohttpd's default
    unsigned int per_ip_connection_limit;  // 0 = unlimited
    unsigned int connection_timeout;   // seconds, 0 = none
    size_t connection_memory_limit;    // bytes, 0 = default (32 KiB: headers up to ~16 KB)
    const char *tls_certificate_pem;   // NULL = plain HTTP
    const char *tls_key_pem;
    MHD_NotifyConnectionCallback notify_connection;  // NULL = none
    void *notify_connection_cls;
};

/// GnuTLS priorities of the HTTPS server: GnuTLS's NORMAL ciphers, key exchanges and signature
/// algorithms, but of the protocol versions only TLS 1.3 and TLS 1.2 (NORMAL alone still allows
/// TLS 1.0 and 1.1 with GnuTLS 3.7). An allow-list rather than "-VERS-TLS1.0:-VERS-TLS1.1", so
/// no version GnuTLS may one day add to NORMAL below 1.2 slips in, and no keyword a later
/// GnuTLS may drop (such as VERS-SSL3.0) can make the string fail to parse. Checked with
/// `gnutls-cli --priority '...' -l` against GnuTLS 3.7.9: "Protocols: VERS-TLS1.3, VERS-TLS1.2".
///
/// Lifetime: libmicrohttpd passes the string to gnutls_priority_init while MHD_start_daemon
/// parses its options and keeps only the compiled priority cache, not the pointer; a string
/// literal lives for the whole process anyway. A string GnuTLS rejects makes MHD_start_daemon
/// fail ("Setting priorities to `...' failed" in the log): a typo stops the server from
/// starting instead of serving weaker TLS.
#define MHD_SHIM_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/// Receives libmicrohttpd's error log as one formatted line.
typedef void (*mhd_shim_log_line)(void *cls, const char *line);

struct mhd_shim_logger {
    mhd_shim_log_line line;
    void *cls;
};

/// MHD_LogCallback takes a va_list, which Swift cannot format; this formats it in C.
static inline void mhd_shim_log_trampoline(void *cls, const char *format, va_list arguments) {
    const struct mhd_shim_logger *logger = (const struct mhd_shim_logger *)cls;
    char buffer[512];
    vsnprintf(buffer, sizeof buffer, format, arguments);
    size_t length = strlen(buffer);
    while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r')) buffer[--length] = '\0';
    if (logger != NULL && logger->line != NULL) logger->line(logger->cls, buffer);
}

/// Starts a daemon: internal polling thread, epoll, a thread pool, ITC (wakes the workers on
/// stop), error log to `logger`, TLS when a certificate is given (TLS 1.2 or 1.3 only, see
/// MHD_SHIM_TLS_PRIORITIES), and `accept_policy` asked about every new connection (how a
/// draining server refuses them: MHD_quiesce_daemon races the epoll workers in 0.9.75 and can
/// abort the process).
/// Returns NULL when libmicrohttpd refuses (the log says why) or the address is bad.
static inline struct MHD_Daemon *mhd_shim_start(const struct mhd_shim_config *config,
                                                MHD_AcceptPolicyCallback accept_policy, void *accept_policy_cls,
                                                MHD_AccessHandlerCallback handler, void *handler_cls,
                                                MHD_RequestCompletedCallback completed, void *completed_cls,
                                                struct mhd_shim_logger *logger) {
    // MHD_start_daemon binds before it returns, so a local address is enough. An IPv6 literal
    // needs MHD_USE_IPv6 as well as the address (libmicrohttpd opens the socket by the flag).
    struct sockaddr_storage local;
    memset(&local, 0, sizeof local);
    int ipv6 = 0;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&local;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&local;
    if (inet_pton(AF_INET, config->bind_address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(config->port);
    } else if (inet_pton(AF_INET6, config->bind_address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(config->port);
        ipv6 = 1;
    } else {
        return NULL;
    }

    // MHD_ALLOW_SUSPEND_RESUME: answers that wait for a disk sync suspend their connection
    // instead of holding a worker thread (it includes MHD_USE_ITC, which wakes the worker
    // owning a connection resumed from another thread).
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME
                       | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (ipv6) flags |= MHD_USE_IPv6;
    if (config->tls_certificate_pem != NULL) flags |= MHD_USE_TLS;

    struct MHD_OptionItem options[16];
    int n = 0;
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_shim_log_trampoline, logger };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, config->thread_pool_size, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, config->connection_timeout, NULL };
    if (config->connection_memory_limit > 0)
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)config->connection_memory_limit, NULL };
    if (config->connection_limit > 0)
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, config->connection_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->per_ip_connection_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls };
    if (config->notify_connection != NULL)
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)config->notify_connection, config->notify_connection_cls };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &local };
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: its value 1 also sets SO_REUSEPORT, with which a
     * second server binds the same port and the kernel splits connections between the two.
     * Without the option libmicrohttpd sets SO_REUSEADDR only, so a restart still binds a port
     * whose old connections linger in TIME_WAIT, and a second server gets EADDRINUSE. */
    if (config->tls_certificate_pem != NULL) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)config->tls_certificate_pem };
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)config->tls_key_pem };
        // One-pointer options take ptr_value in MHD_OPTION_ARRAY (parse_options_va in daemon.c).
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)MHD_SHIM_TLS_PRIORITIES };
    }
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return MHD_start_daemon(flags, config->port, accept_policy, accept_policy_cls, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// MHD_get_daemon_info is variadic: the bound port (the real one when 0 was asked for).
static inline uint16_t mhd_shim_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// MHD_get_daemon_info is variadic: connections currently open.
static inline unsigned int mhd_shim_current_connections(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info == NULL ? 0 : info->num_connections;
}

/// MHD_get_connection_info is variadic: the connection's socket (-1 when unknown).
static inline int mhd_shim_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/// MHD_get_connection_info is variadic: what MHD_OPTION_NOTIFY_CONNECTION stored for the
/// connection when it started.
static inline void *mhd_shim_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

/// The response body buffer parameter is `void *` even for MUST_COPY; this takes a const one.
static inline struct MHD_Response *mhd_shim_response_copying(const void *bytes, size_t length) {
    return MHD_create_response_from_buffer(length, (void *)bytes, MHD_RESPMEM_MUST_COPY);
}

/// Whether a header field's value lies right after its name in libmicrohttpd's read buffer, as
/// it does for a field received on one line: the name, the NUL that replaced the colon, the
/// SP/HTAB libmicrohttpd skipped, then the value. libmicrohttpd 0.9.75 accepts obsolete line
/// folding by copying the field's name to a new allocation in the connection's pool and
/// appending the continuation to it (`X-A: a` then ` b` arrives as `X-Ab: a`); such a value is
/// not in place. Measured against 0.9.75 (the name moved about 16 KB away); not documented by
/// libmicrohttpd. Reads at most 256 bytes after the name's terminator, and only when the value
/// lies within them, so every byte read lies between the two, inside the same pool.
static inline int mhd_shim_field_in_place(const char *key, size_t key_size, const char *value) {
    if (key == NULL || value == NULL) return 0;
    const char *end = key + key_size;
    if (value <= end || value - end > 256 || *end != '\0') return 0;
    for (const char *p = end + 1; p < value; p++)
        if (*p != ' ' && *p != '\t') return 0;
    return 1;
}

#endif
