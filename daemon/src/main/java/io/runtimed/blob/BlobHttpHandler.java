package io.runtimed.blob;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.runtimed.protocol.BlobHash;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the blob HTTP server (BLOBS.md §5), on its event-loop thread. Routes on the raw
 * URI path only (no percent-decoding, query ignored): {@code GET /health} and
 * {@code GET /blob/<hash>}, everything else 404, other methods 405.
 *
 * <p>Beyond the reference, as browsers expect of immutable media: {@code HEAD}, an {@code ETag} that
 * is the hash with {@code If-None-Match} → 304, and one {@code Range} per request → 206 / 416.
 *
 * <p>Answers go out in request order, one at a time: while the socket's send buffer is full
 * (a large body on its way), further pipelined requests wait here and the connection is not read,
 * so a client cannot make the server open one file per request it sends ahead.
 */
final class BlobHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(BlobHttpHandler.class);
    /** BLOBS.md §5: blobs never change, so caches may keep them for a year without asking. */
    static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    /** RFC 9110's names, not Netty's older ones ("Requested Range Not Satisfiable", "Request-URI Too Long"). */
    private static final HttpResponseStatus RANGE_NOT_SATISFIABLE = new HttpResponseStatus(416, "Range Not Satisfiable");
    private static final HttpResponseStatus URI_TOO_LONG = new HttpResponseStatus(414, "URI Too Long");
    /** Our header values are checked before they are set ({@link #isHeaderValue}); Netty need not check again. */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    /** What to answer: status, headers, and the bytes {@code [first, first + length)} of {@code body}. */
    private record Reply(HttpResponseStatus status, HttpHeaders headers, BlobReader.Body body, long first, long length) {
        /** BLOBS.md §5: a plain-text body, the status's reason phrase ("Not Found"), no Content-Type. */
        static Reply text(HttpResponseStatus status, HttpHeaders headers) {
            byte[] bytes = status.reasonPhrase().getBytes(StandardCharsets.US_ASCII);
            return new Reply(status, headers, new BlobReader.Bytes(bytes), 0, bytes.length);
        }
    }

    private final BlobReader reader;
    /** Requests that came while an earlier answer was still filling the socket; answered in order. */
    private final ArrayDeque<HttpRequest> waiting = new ArrayDeque<>(2);
    /** An answer said {@code Connection: close}: nothing more is read or answered. */
    private boolean closing;

    BlobHttpHandler(BlobReader reader) {
        this.reader = reader;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (closing) {
                return;
            }
            if (msg instanceof HttpRequest request) {
                if (request.decoderResult().isFailure()) {
                    rejectMalformed(ctx, request.decoderResult().cause());
                } else if (waiting.isEmpty() && ctx.channel().isWritable()) {
                    answer(ctx, request);
                } else {
                    waiting.add(ReferenceCountUtil.retain(request));
                    ctx.channel().config().setAutoRead(false);
                }
            } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
                // a request body whose framing broke: the connection cannot be read any further
                closing = true;
                ctx.close();
            }
            // request bodies: no route reads one, so they are dropped
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        while (!closing && !waiting.isEmpty() && ctx.channel().isWritable()) {
            HttpRequest next = waiting.poll();
            try {
                answer(ctx, next);
            } finally {
                ReferenceCountUtil.release(next);
            }
        }
        if (!closing && waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // neither a request nor progress of an answer for a while (BlobHttpServer.IDLE_SECONDS)
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("blob connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void dropWaiting() {
        HttpRequest r;
        while ((r = waiting.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        String path = rawPath(request.uri());
        if (path == null) {
            rejectMalformed(ctx, new IllegalArgumentException("request target is no URI: " + request.uri()));
            return;
        }
        boolean head = HttpMethod.HEAD.equals(request.method());
        // a client waiting for "100 Continue" may or may not send its body after our answer: the
        // connection's framing is unknown from then on
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !request.headers().contains(HttpHeaderNames.EXPECT);
        Reply reply;
        try {
            reply = reply(request, path, head);
        } catch (RuntimeException e) {
            LOG.error("blob request {} {} failed", request.method(), request.uri(), e);
            reply = Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, corsHeaders());
        }
        send(ctx, reply, head, keepAlive, request.protocolVersion());
    }

    private static HttpHeaders corsHeaders() {
        HttpHeaders h = HEADERS.newHeaders();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        return h;
    }

    private Reply reply(HttpRequest request, String path, boolean head) {
        HttpHeaders h = corsHeaders();
        if (!head && !HttpMethod.GET.equals(request.method())) {
            h.set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return Reply.text(HttpResponseStatus.METHOD_NOT_ALLOWED, h);
        }
        // BLOBS.md §5: the raw path, exact match, no percent-decoding; the query is ignored
        if (path.equals("/health")) {
            return new Reply(HttpResponseStatus.OK, h, new BlobReader.Bytes(OK), 0, OK.length);
        }
        if (path.startsWith("/blob/")) {
            return blob(request, path.substring("/blob/".length()), h);
        }
        return Reply.text(HttpResponseStatus.NOT_FOUND, h);
    }

    private static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);

    private Reply blob(HttpRequest request, String hash, HttpHeaders h) {
        // BLOBS.md §3: an invalid hash is "not found" and is never turned into a path
        if (!BlobHash.isValid(hash)) {
            return Reply.text(HttpResponseStatus.NOT_FOUND, h);
        }
        Optional<BlobReader.Body> opened;
        try {
            opened = reader.open(hash);
        } catch (IOException e) {
            LOG.warn("blob {}: {}", hash, e.getMessage());
            return Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, h);
        }
        if (opened.isEmpty()) {
            return Reply.text(HttpResponseStatus.NOT_FOUND, h);
        }
        BlobReader.Body body = opened.get();
        boolean handedOver = false;
        try {
            long size = body.size();
            String contentType = reader.mediaType(hash);
            if (!isHeaderValue(contentType)) {
                // BLOBS.md §5: a media type that is not a legal header value is a 500
                LOG.warn("blob {}: media type is not a legal header value", hash);
                return Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, h);
            }
            String etag = "\"" + hash + "\"";
            h.set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL);
            h.set(HttpHeaderNames.ETAG, etag);
            HttpHeaders asked = request.headers();
            if (ifNoneMatchHits(asked.get(HttpHeaderNames.IF_NONE_MATCH), etag)) {
                return new Reply(HttpResponseStatus.NOT_MODIFIED, h, null, 0, 0);
            }
            h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            ByteRange.Parsed parsed = rangeAllowed(asked.get(HttpHeaderNames.IF_RANGE), etag)
                    ? ByteRange.parse(asked.get(HttpHeaderNames.RANGE), size)
                    : new ByteRange.Parsed.Whole();
            if (parsed instanceof ByteRange.Parsed.Unsatisfiable) {
                h.set(HttpHeaderNames.CONTENT_RANGE, ByteRange.unsatisfiedContentRange(size));
                return Reply.text(RANGE_NOT_SATISFIABLE, h);
            }
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            handedOver = true;
            if (parsed instanceof ByteRange.Parsed.Part part) {
                h.set(HttpHeaderNames.CONTENT_RANGE, part.range().contentRange(size));
                return new Reply(HttpResponseStatus.PARTIAL_CONTENT, h, body, part.range().first(), part.range().length());
            }
            return new Reply(HttpResponseStatus.OK, h, body, 0, size);
        } finally {
            if (!handedOver) {
                body.close();
            }
        }
    }

    /**
     * Writes the answer: status line and headers, then (not for HEAD or 304) the body: a small one
     * in the same buffer as the headers, a file as a region the transport sends with sendfile.
     * Content-Length is set for HEAD too, where no body follows.
     */
    private void send(ChannelHandlerContext ctx, Reply reply, boolean head, boolean keepAlive, HttpVersion version) {
        HttpHeaders h = reply.headers();
        h.set(HttpHeaderNames.DATE, HttpDate.now());
        if (reply.body() != null) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, reply.length());
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closing = true;
            dropWaiting();
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture done;
        BlobReader.Body body = reply.body();
        if (!head && body instanceof BlobReader.File file && reply.length() > 0) {
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, reply.status(), h));
            // the region owns the file from here and closes it when sent or dropped
            ctx.write(new DefaultFileRegion(file.channel(), reply.first(), reply.length()));
            done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            var content = !head && body instanceof BlobReader.Bytes bytes && reply.length() > 0
                    ? Unpooled.wrappedBuffer(bytes.data(), (int) reply.first(), (int) reply.length())
                    : Unpooled.EMPTY_BUFFER;
            if (body != null) {
                body.close();
            }
            done = ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(), content, h,
                    EmptyHttpHeaders.INSTANCE));
        }
        done.addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    /** A request the codec could not parse: 400 (414, 431 for a request line or headers too long), then close. */
    private void rejectMalformed(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status = cause instanceof TooLongHttpLineException ? URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException
                        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : HttpResponseStatus.BAD_REQUEST;
        LOG.debug("blob connection {}: bad request: {}", ctx.channel().remoteAddress(), cause.toString());
        send(ctx, Reply.text(status, corsHeaders()), false, false, HttpVersion.HTTP_1_1);
    }

    /**
     * The raw path of a request target (origin form {@code /p?q} or absolute form
     * {@code http://h/p}); null when it is no URI at all (400, as the reference's JDK server did).
     */
    static String rawPath(String target) {
        if (isPlainPath(target)) {
            return target; // the common case, without building a URI
        }
        try {
            String path = new URI(target).getRawPath();
            return path == null ? "" : path;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * True when {@code target} is {@code /} followed by letters, digits, {@code /}, {@code .},
     * {@code -} and {@code _} only, which {@link URI} would take as the path unchanged (anything
     * else, a query or an escape say, is left to {@link URI}).
     */
    private static boolean isPlainPath(String target) {
        if (target.isEmpty() || target.charAt(0) != '/' || target.startsWith("//")) {
            return false;
        }
        for (int i = 1; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '/' || c == '.' || c == '-' || c == '_';
            if (!plain) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 §13.1.2: {@code *} or a list containing our tag, weak comparison. */
    static boolean ifNoneMatchHits(String header, String etag) {
        if (header == null) {
            return false;
        }
        for (String tag : header.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9110 §13.1.5: with If-Range the range applies only while the tag still matches. */
    private static boolean rangeAllowed(String ifRange, String etag) {
        return ifRange == null || ifRange.trim().equals(etag);
    }

    /** Visible ASCII, space and tab only: anything else cannot go into a header line. */
    static boolean isHeaderValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
