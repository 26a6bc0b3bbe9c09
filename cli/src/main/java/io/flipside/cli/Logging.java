package io.flipside.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code log.format}: {@code text}, the pattern of {@code logback.xml}, or {@code json}: logback's {@link JsonEncoder},
 * one JSON object per line with the timestamp, level, thread, logger, the MDC ({@code migration} and {@code phase},
 * see {@link io.flipside.runtime.LogContext}), the formatted message and any exception.
 */
final class Logging {
    static final String APPENDER = "STDERR";
    private static Encoder<ILoggingEvent> textEncoder;

    private Logging() {}

    /** Switches the stderr appender's encoder; a no-op when logback is not the binding or the format is current. */
    static synchronized void use(String format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        if (!(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER)
                instanceof OutputStreamAppender<ILoggingEvent> appender)) {
            return;
        }
        boolean json = format.equals("json");
        if (json == (appender.getEncoder() instanceof JsonEncoder)) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (json) {
            textEncoder = appender.getEncoder();
            encoder = jsonEncoder(context);
        } else {
            encoder = textEncoder;
        }
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }

    static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder e = new JsonEncoder();
        e.setContext(context);
        // What a log pipeline needs per line; not logback's context, its sequence numbers, nor the raw message
        // template and arguments next to the formatted message.
        e.setWithContext(false);
        e.setWithSequenceNumber(false);
        e.setWithNanoseconds(false);
        e.setWithMessage(false);
        e.setWithArguments(false);
        e.setWithFormattedMessage(true);
        e.start();
        return e;
    }
}
