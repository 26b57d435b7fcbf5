/// Path arithmetic for configuration files, done on strings so relative paths stay as the operator wrote them.
enum ConfigPath {
    /// The folder holding `file`: `.` for a bare file name, `/` for a file at the root.
    static func folder(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        if slash == file.startIndex { return "/" }
        return String(file[..<slash])
    }

    /// `path` itself if absolute, else `path` inside the folder of `file`.
    static func resolve(_ path: String, relativeToFolderOf file: String) -> String {
        if path.hasPrefix("/") { return path }
        return join(folder(of: file), path)
    }

    /// `folder/name`, without doubling a slash and without a leading `./`.
    static func join(_ folder: String, _ name: String) -> String {
        if folder == "." { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
