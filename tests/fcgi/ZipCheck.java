// Reads a ZIP file the way Java applications do and checks it (tests/fcgi/ZipInteropTest.cpp):
//
//     java ZipCheck.java FILE.zip
//
// First as a stream (java.util.zip.ZipInputStream: local headers only, as a streaming client
// sees the download), then through the central directory (java.util.zip.ZipFile). Every entry's
// bytes must match its CRC-32 and size in both. Prints one line per entry, "name<TAB>size<TAB>crc"
// (crc as 8 hex digits), in UTF-8; exits 1 on any mismatch or error.

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

public class ZipCheck {
    private static long[] sizeAndCrc(InputStream in) throws Exception {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[64 * 1024];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            crc.update(buffer, 0, n);
            size += n;
        }
        return new long[] {size, crc.getValue()};
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        boolean ok = true;
        List<String> streamed = new ArrayList<>();
        try (ZipInputStream zin = new ZipInputStream(new FileInputStream(args[0]), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                long[] actual = sizeAndCrc(zin);
                if (actual[0] != e.getSize() || actual[1] != e.getCrc()) {
                    System.err.printf("stream: %s: read %d bytes crc %08x, header says %d bytes crc %08x%n",
                            e.getName(), actual[0], actual[1], e.getSize(), e.getCrc());
                    ok = false;
                }
                streamed.add(String.format("%s\t%d\t%08x", e.getName(), actual[0], actual[1]));
            }
        }
        List<String> central = new ArrayList<>();
        try (ZipFile zip = new ZipFile(args[0], StandardCharsets.UTF_8)) {
            for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
                ZipEntry e = it.nextElement();
                long[] actual;
                try (InputStream in = zip.getInputStream(e)) {
                    actual = sizeAndCrc(in);
                }
                if (actual[0] != e.getSize() || actual[1] != e.getCrc()) {
                    System.err.printf("central: %s: read %d bytes crc %08x, directory says %d bytes crc %08x%n",
                            e.getName(), actual[0], actual[1], e.getSize(), e.getCrc());
                    ok = false;
                }
                central.add(String.format("%s\t%d\t%08x", e.getName(), actual[0], actual[1]));
            }
        }
        if (!streamed.equals(central)) {
            System.err.println("the stream and the central directory list different entries");
            ok = false;
        }
        for (String line : central) out.println(line);
        System.exit(ok ? 0 : 1);
    }
}
