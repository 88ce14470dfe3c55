/* The tcy_* C API: BSD socket calls over Tachyon stacks, with int descriptors, the POSIX
 * signatures and errno. For C programs, test harnesses and a later LD_PRELOAD layer.
 *
 * Every call behaves as its Linux namesake (same errno values; see the C++ socket API in
 * stack/socket/socket.hpp, which these calls wrap). Sockets never raise SIGPIPE. Blocking calls
 * drive the stack of their socket while they wait (DESIGN.md "Execution model").
 *
 * Descriptors are per thread, as a stack is driven by one thread: they are small integers from 3
 * up, distinct from the kernel's only by the table they live in. tcy_socket() and
 * tcy_epoll_create1() create on the stack the calling thread selected with tcy_use(); errno
 * ENETDOWN when none is selected. Every other call works on the stack its descriptor belongs to.
 * tcy_poll() and an epoll instance serve the sockets of one stack; a descriptor of another stack
 * is refused with EINVAL by tcy_epoll_ctl.
 *
 * A stack comes from C++ (tcy_stack_of) or from a harness. Before a stack is destroyed, call
 * tcy_detach(): its descriptors of the calling thread become invalid (EBADF). */
#ifndef TACHYON_H
#define TACHYON_H

#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The sockets of one stack (a tachyon::SocketLayer). */
typedef struct tcy_stack tcy_stack;

/* Largest descriptor count per thread. */
#define TCY_MAX_FDS 4096

/* Selects the stack for the calling thread's tcy_socket() and tcy_epoll_create1(). */
void tcy_use(tcy_stack* stack);
tcy_stack* tcy_current(void);
/* Forgets every descriptor of stack in the calling thread (the stack closes its sockets itself
 * when it is destroyed); clears the selection if it was this stack. */
void tcy_detach(tcy_stack* stack);
/* One run-to-completion step of the stack, for programs with their own loop: 1 if it did work. */
int tcy_stack_poll(tcy_stack* stack);

int tcy_socket(int domain, int type, int protocol);
int tcy_bind(int fd, const struct sockaddr* addr, socklen_t addrlen);
int tcy_listen(int fd, int backlog);
int tcy_accept(int fd, struct sockaddr* addr, socklen_t* addrlen);
int tcy_accept4(int fd, struct sockaddr* addr, socklen_t* addrlen, int flags);
int tcy_connect(int fd, const struct sockaddr* addr, socklen_t addrlen);
ssize_t tcy_send(int fd, const void* buf, size_t len, int flags);
ssize_t tcy_recv(int fd, void* buf, size_t len, int flags);
ssize_t tcy_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr,
                   socklen_t addrlen);
ssize_t tcy_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr,
                     socklen_t* addrlen);
int tcy_shutdown(int fd, int how);
int tcy_close(int fd);
int tcy_getsockname(int fd, struct sockaddr* addr, socklen_t* addrlen);
int tcy_getpeername(int fd, struct sockaddr* addr, socklen_t* addrlen);
int tcy_setsockopt(int fd, int level, int name, const void* value, socklen_t len);
int tcy_getsockopt(int fd, int level, int name, void* value, socklen_t* len);
/* F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD, F_SETFD. */
int tcy_fcntl(int fd, int cmd, ...);
int tcy_poll(struct pollfd* fds, nfds_t nfds, int timeout);
int tcy_epoll_create(int size);
int tcy_epoll_create1(int flags);
int tcy_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event);
int tcy_epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout);

/* ---- Zero-copy calls (Tachyon's own; no POSIX namesake) ----
 * A connection's receive and send buffers are byte rings inside the stack. These calls show the
 * received bytes in place and let the caller write what it sends straight into the send ring,
 * so no copy is made between user memory and the stack. The stack still builds every TCP
 * segment from the send ring (one copy ring -> frame remains until a device takes external
 * buffers), and received payload is placed frame -> ring once. A ring may wrap: each call gives
 * at most two pieces, iov[1].iov_len is 0 when one is enough.
 *
 * The pieces are valid until the matching _done / _commit call, another read or send on fd,
 * tcy_close(fd), or until the stack runs again (any blocking call, tcy_poll, tcy_epoll_wait,
 * tcy_stack_poll): arriving data may move a ring's storage. Blocking, O_NONBLOCK, MSG_DONTWAIT,
 * SO_RCVTIMEO / SO_SNDTIMEO and the errno values are those of tcy_recv / tcy_send. */

/* Stream receive: up to len bytes, shown in iov[0..1]. Returns the bytes shown, 0 at the peer's
 * orderly shutdown, -1 with errno. Flags: MSG_DONTWAIT. Nothing is consumed until
 * tcy_recv_zc_done(fd, n) drops the first n bytes shown (n <= the return value; EINVAL
 * otherwise) and opens the receive window (a window update goes out as after tcy_recv); bytes
 * not released are shown again by the next tcy_recv_zc. */
ssize_t tcy_recv_zc(int fd, struct iovec iov[2], size_t len, int flags);
/* Also ends a tcy_recvfrom_zc (n is ignored then). */
int tcy_recv_zc_done(int fd, size_t n);
/* Stream send: at least 1 and at most len bytes of free send buffer, in iov[0..1], to write
 * into. Returns their total or -1 with errno (EAGAIN when full and non-blocking). Flags:
 * MSG_DONTWAIT, MSG_NOSIGNAL. tcy_send_zc_commit(fd, n) sends the first n bytes written and
 * returns n, or -1 with errno: EINVAL when n is more than was given or the space went stale
 * (nothing is sent then). */
ssize_t tcy_send_zc(int fd, struct iovec iov[2], size_t len, int flags);
ssize_t tcy_send_zc_commit(int fd, size_t n);
/* Datagram receive: *data points at the oldest datagram's payload in the buffer it arrived in.
 * Returns its length (the whole datagram: never truncated), -1 with errno. The buffer is held
 * for fd until tcy_recv_zc_done(fd, 0), the next tcy_recvfrom_zc on fd, or tcy_close(fd).
 * Flags: MSG_DONTWAIT. */
ssize_t tcy_recvfrom_zc(int fd, const void** data, int flags, struct sockaddr* addr, socklen_t* addrlen);

#ifdef __cplusplus
}

namespace tachyon {
class SocketLayer;
}
/* The handle of a SocketLayer, for tcy_use(). The layer must outlive the descriptors. */
tcy_stack* tcy_stack_of(tachyon::SocketLayer& layer);
#endif

#endif /* TACHYON_H */
