// Reads a ZIP archive front to back with java.util.zip.ZipInputStream, the way a Java client
// consumes a streamed download (local headers only, no central directory), for
// tests/e2e/test_packages.py:
//
//     java ZipRead.java ARCHIVE.zip
//
// Prints one UTF-8 line per entry, "name<TAB>size<TAB>crc" (the size and CRC-32 computed from the
// bytes read, crc as 8 hex digits). Exits 1 when an entry's bytes disagree with the size or
// CRC-32 of its header, or when the archive cannot be read.

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

public class ZipRead {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        boolean ok = true;
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream zin = new ZipInputStream(new BufferedInputStream(new FileInputStream(args[0])),
                StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                CRC32 crc = new CRC32();
                long size = 0;
                for (int n; (n = zin.read(buffer)) > 0; ) {
                    crc.update(buffer, 0, n);
                    size += n;
                }
                if (size != e.getSize() || crc.getValue() != e.getCrc()) {
                    System.err.printf("%s: read %d bytes with CRC-32 %08x, the header says %d bytes, %08x%n",
                            e.getName(), size, crc.getValue(), e.getSize(), e.getCrc());
                    ok = false;
                }
                out.printf("%s\t%d\t%08x%n", e.getName(), size, crc.getValue());
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
