#include "persistence/Migrations.hpp"

#include <chrono>
#include <stdexcept>

#include "persistence/SqlQuery.hpp"

namespace mofang::persistence {
namespace {

using Poco::Data::Session;

struct Migration {
    int version;
    const char* name;
    std::vector<std::string> mysql;
    std::vector<std::string> sqlite;
};

// MySQL tables: InnoDB, utf8mb4, exact (binary) collation unless a column says otherwise.
// Times are BIGINT milliseconds since the epoch, UTC (no TIMESTAMP/DATETIME driver traps).
const char* kMyTable = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

std::string my(const std::string& body) {
    return body + kMyTable;
}

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1,
         "accounts, sessions, login failures, operation log",
         {
             my("CREATE TABLE users ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " username VARCHAR(32) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " email VARCHAR(254) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " password_hash VARCHAR(255) NOT NULL,"
                " role VARCHAR(16) NOT NULL,"
                " permissions VARCHAR(1000) NOT NULL DEFAULT '',"
                " status VARCHAR(16) NOT NULL,"
                " last_login BIGINT NULL,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " UNIQUE KEY uq_users_username (username),"
                " UNIQUE KEY uq_users_email (email),"
                " KEY idx_users_role_status (role, status))"),
             my("CREATE TABLE sessions ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " token_hash CHAR(64) NOT NULL,"
                " csrf_token VARCHAR(64) NOT NULL,"
                " user_id BIGINT NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " expires_at BIGINT NOT NULL,"
                " ip VARCHAR(64) NOT NULL DEFAULT '',"
                " user_agent VARCHAR(512) NOT NULL DEFAULT '',"
                " UNIQUE KEY uq_sessions_token (token_hash),"
                " KEY idx_sessions_user (user_id),"
                " KEY idx_sessions_expires (expires_at),"
                " CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE "
                "CASCADE)"),
             my("CREATE TABLE login_failures ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " login_key VARCHAR(254) NOT NULL,"
                " failed_at BIGINT NOT NULL,"
                " KEY idx_login_failures_key_time (login_key, failed_at))"),
             my("CREATE TABLE operation_logs ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " user_id BIGINT NULL,"
                " action VARCHAR(64) NOT NULL,"
                " target_type VARCHAR(32) NOT NULL,"
                " target_id VARCHAR(64) NOT NULL DEFAULT '',"
                " details TEXT NOT NULL,"
                " ip VARCHAR(64) NOT NULL DEFAULT '',"
                " user_agent VARCHAR(512) NOT NULL DEFAULT '',"
                " created_at BIGINT NOT NULL,"
                " KEY idx_oplog_user_time (user_id, created_at),"
                " KEY idx_oplog_target (target_type, target_id),"
                " KEY idx_oplog_action (action),"
                " KEY idx_oplog_time (created_at))"),
         },
         {
             "CREATE TABLE users ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " username TEXT NOT NULL COLLATE NOCASE,"
             " email TEXT NOT NULL COLLATE NOCASE,"
             " password_hash TEXT NOT NULL,"
             " role TEXT NOT NULL,"
             " permissions TEXT NOT NULL DEFAULT '',"
             " status TEXT NOT NULL,"
             " last_login BIGINT,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL)",
             "CREATE UNIQUE INDEX uq_users_username ON users (username)",
             "CREATE UNIQUE INDEX uq_users_email ON users (email)",
             "CREATE INDEX idx_users_role_status ON users (role, status)",
             "CREATE TABLE sessions ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " token_hash TEXT NOT NULL,"
             " csrf_token TEXT NOT NULL,"
             " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " created_at BIGINT NOT NULL,"
             " expires_at BIGINT NOT NULL,"
             " ip TEXT NOT NULL DEFAULT '',"
             " user_agent TEXT NOT NULL DEFAULT '')",
             "CREATE UNIQUE INDEX uq_sessions_token ON sessions (token_hash)",
             "CREATE INDEX idx_sessions_user ON sessions (user_id)",
             "CREATE INDEX idx_sessions_expires ON sessions (expires_at)",
             "CREATE TABLE login_failures ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " login_key TEXT NOT NULL,"
             " failed_at BIGINT NOT NULL)",
             "CREATE INDEX idx_login_failures_key_time ON login_failures (login_key, failed_at)",
             "CREATE TABLE operation_logs ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " user_id BIGINT,"
             " action TEXT NOT NULL,"
             " target_type TEXT NOT NULL,"
             " target_id TEXT NOT NULL DEFAULT '',"
             " details TEXT NOT NULL,"
             " ip TEXT NOT NULL DEFAULT '',"
             " user_agent TEXT NOT NULL DEFAULT '',"
             " created_at BIGINT NOT NULL)",
             "CREATE INDEX idx_oplog_user_time ON operation_logs (user_id, created_at)",
             "CREATE INDEX idx_oplog_target ON operation_logs (target_type, target_id)",
             "CREATE INDEX idx_oplog_action ON operation_logs (action)",
             "CREATE INDEX idx_oplog_time ON operation_logs (created_at)",
         }},
        {2,
         "products, product tags, material modules",
         {
             // Tags are stored twice: joined in the product row (one read renders a product) and
             // one row each in product_tags (the multi-valued scenario/style indexes of seed 002),
             // which carries the product's created_at so that a one-tag listing walks one index
             // range in page order.
             my("CREATE TABLE products ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " name VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " spu_code VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " gender VARCHAR(8) NOT NULL,"
                " age_range VARCHAR(8) NOT NULL,"
                " scenarios VARCHAR(700) NOT NULL,"
                " styles VARCHAR(700) NOT NULL,"
                " designer_3d VARCHAR(64) NOT NULL DEFAULT '',"
                " designer_graphic VARCHAR(64) NOT NULL DEFAULT '',"
                " created_by BIGINT NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " is_deleted TINYINT NOT NULL DEFAULT 0,"
                " deleted_at BIGINT NULL,"
                " UNIQUE KEY uq_products_spu (spu_code),"
                " KEY idx_products_gender_age (gender, age_range),"
                " KEY idx_products_live_created (is_deleted, created_at, id),"
                " KEY idx_products_live_name (is_deleted, name, id),"
                " KEY idx_products_gender_created (is_deleted, gender, created_at, id),"
                " KEY idx_products_designer_3d (designer_3d),"
                " KEY idx_products_designer_graphic (designer_graphic))"),
             my("CREATE TABLE product_tags ("
                " product_id BIGINT NOT NULL,"
                " kind VARCHAR(16) NOT NULL,"
                " value VARCHAR(32) NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " PRIMARY KEY (product_id, kind, value),"
                " KEY idx_product_tags_kind_value (kind, value, product_id),"
                " KEY idx_product_tags_value_created (kind, value, created_at, product_id),"
                " CONSTRAINT fk_product_tags_product FOREIGN KEY (product_id) REFERENCES products (id) ON "
                "DELETE CASCADE)"),
             // Live products per (gender, ageRange) (kind '') and per tag value within them:
             // facets under no filter or only gender/ageRange read these few hundred rows instead
             // of counting the catalogue. Kept in the same transaction as each product write.
             my("CREATE TABLE product_facet_counts ("
                " gender VARCHAR(8) NOT NULL,"
                " age_range VARCHAR(8) NOT NULL,"
                " kind VARCHAR(16) NOT NULL,"
                " value VARCHAR(32) NOT NULL,"
                " n BIGINT NOT NULL,"
                " PRIMARY KEY (gender, age_range, kind, value))"),
             my("CREATE TABLE material_modules ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " product_id BIGINT NOT NULL,"
                " type VARCHAR(8) NOT NULL,"
                " sub_type VARCHAR(64) NOT NULL DEFAULT '',"
                " sort_order INT NOT NULL DEFAULT 0,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " UNIQUE KEY uq_modules_slot (product_id, type, sub_type),"
                " KEY idx_modules_order (sort_order),"
                " CONSTRAINT fk_modules_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE "
                "CASCADE)"),
         },
         {
             "CREATE TABLE products ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " name TEXT NOT NULL,"
             " spu_code TEXT NOT NULL COLLATE NOCASE,"
             " gender TEXT NOT NULL,"
             " age_range TEXT NOT NULL,"
             " scenarios TEXT NOT NULL,"
             " styles TEXT NOT NULL,"
             " designer_3d TEXT NOT NULL DEFAULT '',"
             " designer_graphic TEXT NOT NULL DEFAULT '',"
             " created_by BIGINT NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " is_deleted BIGINT NOT NULL DEFAULT 0,"
             " deleted_at BIGINT)",
             "CREATE UNIQUE INDEX uq_products_spu ON products (spu_code)",
             "CREATE INDEX idx_products_gender_age ON products (gender, age_range)",
             "CREATE INDEX idx_products_live_created ON products (is_deleted, created_at, id)",
             "CREATE INDEX idx_products_live_name ON products (is_deleted, name, id)",
             "CREATE INDEX idx_products_gender_created ON products (is_deleted, gender, created_at, id)",
             "CREATE INDEX idx_products_designer_3d ON products (designer_3d)",
             "CREATE INDEX idx_products_designer_graphic ON products (designer_graphic)",
             "CREATE TABLE product_tags ("
             " product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,"
             " kind TEXT NOT NULL,"
             " value TEXT NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " PRIMARY KEY (product_id, kind, value))",
             "CREATE INDEX idx_product_tags_kind_value ON product_tags (kind, value, product_id)",
             "CREATE INDEX idx_product_tags_value_created ON product_tags (kind, value, created_at, product_id)",
             "CREATE TABLE product_facet_counts ("
             " gender TEXT NOT NULL,"
             " age_range TEXT NOT NULL,"
             " kind TEXT NOT NULL,"
             " value TEXT NOT NULL,"
             " n BIGINT NOT NULL,"
             " PRIMARY KEY (gender, age_range, kind, value))",
             "CREATE TABLE material_modules ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,"
             " type TEXT NOT NULL,"
             " sub_type TEXT NOT NULL DEFAULT '',"
             " sort_order BIGINT NOT NULL DEFAULT 0,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL)",
             "CREATE UNIQUE INDEX uq_modules_slot ON material_modules (product_id, type, sub_type)",
             "CREATE INDEX idx_modules_order ON material_modules (sort_order)",
         }},
        {3,
         "materials, blob pins",
         {
             // Every blob a row needs is named by key, with the size and CRC-32 that packages
             // write into their headers without reading the bytes. The key indexes serve the
             // reference checks of uploads and mofangctl gc.
             my("CREATE TABLE materials ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " module_id BIGINT NOT NULL,"
                " product_id BIGINT NOT NULL,"
                " filename VARCHAR(255) NOT NULL,"
                " filesize BIGINT NOT NULL,"
                " mimetype VARCHAR(32) NOT NULL,"
                " width INT NOT NULL,"
                " height INT NOT NULL,"
                " sort_order INT NOT NULL DEFAULT 0,"
                " storage_key VARCHAR(128) NOT NULL,"
                " sha256 CHAR(64) NOT NULL,"
                " crc32 BIGINT NOT NULL,"
                " thumbnail_key VARCHAR(128) NOT NULL,"
                " thumbnail_size BIGINT NOT NULL,"
                " thumbnail_crc32 BIGINT NOT NULL,"
                " thumbnail_width INT NOT NULL,"
                " thumbnail_height INT NOT NULL,"
                " preview_key VARCHAR(128) NOT NULL,"
                " preview_size BIGINT NOT NULL,"
                " preview_crc32 BIGINT NOT NULL,"
                " preview_width INT NOT NULL,"
                " preview_height INT NOT NULL,"
                " created_by BIGINT NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " is_deleted TINYINT NOT NULL DEFAULT 0,"
                " deleted_at BIGINT NULL,"
                " KEY idx_materials_module_order (module_id, sort_order),"
                " KEY idx_materials_storage_key (storage_key),"
                " KEY idx_materials_thumbnail_key (thumbnail_key),"
                " KEY idx_materials_preview_key (preview_key))"),
             my("CREATE TABLE blob_pins ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " storage_key VARCHAR(128) NOT NULL,"
                " pinned_at BIGINT NOT NULL,"
                " KEY idx_blob_pins_key (storage_key),"
                " KEY idx_blob_pins_time (pinned_at))"),
         },
         {
             "CREATE TABLE materials ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " module_id BIGINT NOT NULL,"
             " product_id BIGINT NOT NULL,"
             " filename TEXT NOT NULL,"
             " filesize BIGINT NOT NULL,"
             " mimetype TEXT NOT NULL,"
             " width BIGINT NOT NULL,"
             " height BIGINT NOT NULL,"
             " sort_order BIGINT NOT NULL DEFAULT 0,"
             " storage_key TEXT NOT NULL,"
             " sha256 TEXT NOT NULL,"
             " crc32 BIGINT NOT NULL,"
             " thumbnail_key TEXT NOT NULL,"
             " thumbnail_size BIGINT NOT NULL,"
             " thumbnail_crc32 BIGINT NOT NULL,"
             " thumbnail_width BIGINT NOT NULL,"
             " thumbnail_height BIGINT NOT NULL,"
             " preview_key TEXT NOT NULL,"
             " preview_size BIGINT NOT NULL,"
             " preview_crc32 BIGINT NOT NULL,"
             " preview_width BIGINT NOT NULL,"
             " preview_height BIGINT NOT NULL,"
             " created_by BIGINT NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " is_deleted BIGINT NOT NULL DEFAULT 0,"
             " deleted_at BIGINT)",
             "CREATE INDEX idx_materials_module_order ON materials (module_id, sort_order)",
             "CREATE INDEX idx_materials_storage_key ON materials (storage_key)",
             "CREATE INDEX idx_materials_thumbnail_key ON materials (thumbnail_key)",
             "CREATE INDEX idx_materials_preview_key ON materials (preview_key)",
             "CREATE TABLE blob_pins ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " storage_key TEXT NOT NULL,"
             " pinned_at BIGINT NOT NULL)",
             "CREATE INDEX idx_blob_pins_key ON blob_pins (storage_key)",
             "CREATE INDEX idx_blob_pins_time ON blob_pins (pinned_at)",
         }},
        {4,
         "selections, download records",
         {
             my("CREATE TABLE user_selections ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " user_id BIGINT NOT NULL,"
                " product_id BIGINT NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " KEY idx_selections_user_product (user_id, product_id),"
                " KEY idx_selections_created (created_at))"),
             my("CREATE TABLE user_selection_items ("
                " selection_id BIGINT NOT NULL,"
                " position INT NOT NULL,"
                " module_id BIGINT NOT NULL,"
                " material_id BIGINT NOT NULL,"
                " PRIMARY KEY (selection_id, position),"
                " CONSTRAINT fk_selection_items_selection FOREIGN KEY (selection_id) REFERENCES user_selections (id)"
                " ON DELETE CASCADE)"),
             my("CREATE TABLE download_records ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " user_id BIGINT NOT NULL,"
                " product_id BIGINT NOT NULL,"
                " selection_id BIGINT NOT NULL,"
                " download_time BIGINT NOT NULL,"
                " download_type VARCHAR(16) NOT NULL,"
                " etag VARCHAR(80) NOT NULL,"
                " size BIGINT NOT NULL,"
                " KEY idx_downloads_user (user_id, id),"
                " KEY idx_downloads_product (product_id, id),"
                " KEY idx_downloads_selection (selection_id))"),
         },
         {
             "CREATE TABLE user_selections ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " user_id BIGINT NOT NULL,"
             " product_id BIGINT NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL)",
             "CREATE INDEX idx_selections_user_product ON user_selections (user_id, product_id)",
             "CREATE INDEX idx_selections_created ON user_selections (created_at)",
             "CREATE TABLE user_selection_items ("
             " selection_id BIGINT NOT NULL REFERENCES user_selections (id) ON DELETE CASCADE,"
             " position BIGINT NOT NULL,"
             " module_id BIGINT NOT NULL,"
             " material_id BIGINT NOT NULL,"
             " PRIMARY KEY (selection_id, position))",
             "CREATE TABLE download_records ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " user_id BIGINT NOT NULL,"
             " product_id BIGINT NOT NULL,"
             " selection_id BIGINT NOT NULL,"
             " download_time BIGINT NOT NULL,"
             " download_type TEXT NOT NULL,"
             " etag TEXT NOT NULL,"
             " size BIGINT NOT NULL)",
             "CREATE INDEX idx_downloads_user ON download_records (user_id, id)",
             "CREATE INDEX idx_downloads_product ON download_records (product_id, id)",
             "CREATE INDEX idx_downloads_selection ON download_records (selection_id)",
         }},
        {5,
         "model photos, images, generation tasks",
         {
             // Seed 000, made concrete. The JSON arrays (style_tags, reference_images) are TEXT
             // holding a JSON array, not JSON/LONGTEXT columns: Poco's MySQL driver reads those
             // as garbage (STACK-NOTES). Style tags are also one row each in
             // model_photo_style_tags, the seed's (gender, style_tags) index made searchable.
             // Times are BIGINT milliseconds like everywhere else; generation_time is DOUBLE
             // seconds, as the seed's Float (read and written as a double, exactly).
             my("CREATE TABLE model_photos ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " user_id BIGINT NOT NULL,"
                " task_id CHAR(36) NOT NULL DEFAULT '',"
                " batch_id CHAR(36) NOT NULL DEFAULT '',"
                " name VARCHAR(100) NOT NULL DEFAULT '',"
                " description TEXT NOT NULL DEFAULT '',"
                " gender VARCHAR(10) NOT NULL DEFAULT '',"
                " age_range VARCHAR(20) NOT NULL DEFAULT '',"
                " ethnicity VARCHAR(50) NOT NULL DEFAULT '',"
                " style_tags TEXT NOT NULL DEFAULT '[]',"
                " prompt TEXT NOT NULL DEFAULT '',"
                " reference_images TEXT NOT NULL DEFAULT '[]',"
                " aspect_ratio VARCHAR(8) NOT NULL DEFAULT '',"
                " resolution VARCHAR(8) NOT NULL DEFAULT '',"
                " model_version VARCHAR(64) NOT NULL DEFAULT '',"
                " negative_prompt TEXT NOT NULL DEFAULT '',"
                " status VARCHAR(32) NOT NULL,"
                " progress INT NOT NULL DEFAULT 0,"
                " error_code VARCHAR(64) NOT NULL DEFAULT '',"
                " error_message TEXT NOT NULL DEFAULT '',"
                " started_at BIGINT NULL,"
                " finished_at BIGINT NULL,"
                " generation_time DOUBLE NULL,"
                " image_count INT NOT NULL DEFAULT 1,"
                " total_size BIGINT NOT NULL DEFAULT 0,"
                " is_deleted TINYINT NOT NULL DEFAULT 0,"
                " deleted_at BIGINT NULL,"
                " KEY idx_model_photos_user_created (user_id, created_at),"
                " KEY idx_model_photos_user_id (user_id, id),"
                " KEY idx_model_photos_status (status),"
                " KEY idx_model_photos_task (task_id),"
                " KEY idx_model_photos_gender (gender),"
                " KEY idx_model_photos_batch (batch_id))"),
             my("CREATE TABLE model_photo_style_tags ("
                " model_photo_id BIGINT NOT NULL,"
                " tag VARCHAR(32) NOT NULL,"
                " PRIMARY KEY (model_photo_id, tag),"
                " KEY idx_model_photo_style_tags_tag (tag, model_photo_id),"
                " CONSTRAINT fk_model_photo_style_tags_photo FOREIGN KEY (model_photo_id) REFERENCES model_photos (id)"
                " ON DELETE CASCADE)"),
             // No foreign keys on images and tasks: an insert would share-lock the photo row
             // that the same worker transaction then updates, a lock upgrade that deadlocks
             // against a concurrent writer of that photo. The service keeps them consistent.
             // storage_key is the blob's content key (hex SHA-256), counted by mofangctl gc.
             my("CREATE TABLE model_images ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " created_at BIGINT NOT NULL,"
                " model_photo_id BIGINT NOT NULL,"
                " user_id BIGINT NOT NULL,"
                " filename VARCHAR(255) NOT NULL DEFAULT '',"
                " width INT NOT NULL DEFAULT 0,"
                " height INT NOT NULL DEFAULT 0,"
                " size BIGINT NOT NULL DEFAULT 0,"
                " content_type VARCHAR(100) NOT NULL DEFAULT '',"
                " extension VARCHAR(20) NOT NULL DEFAULT '',"
                " storage_key VARCHAR(64) NOT NULL,"
                " sha256 CHAR(64) NOT NULL DEFAULT '',"
                " crc32 BIGINT NOT NULL DEFAULT 0,"
                " oss_object_name VARCHAR(500) NOT NULL DEFAULT '',"
                " oss_url VARCHAR(1000) NOT NULL DEFAULT '',"
                " oss_cdn_url VARCHAR(1000) NOT NULL DEFAULT '',"
                " oss_folder VARCHAR(100) NOT NULL DEFAULT '',"
                " local_path VARCHAR(500) NOT NULL DEFAULT '',"
                " is_uploaded TINYINT NOT NULL DEFAULT 0,"
                " uploaded_at BIGINT NULL,"
                " image_type VARCHAR(32) NOT NULL,"
                " is_primary TINYINT NOT NULL DEFAULT 0,"
                " sort_order INT NOT NULL DEFAULT 0,"
                " is_deleted TINYINT NOT NULL DEFAULT 0,"
                " deleted_at BIGINT NULL,"
                " KEY idx_model_images_photo (model_photo_id),"
                " KEY idx_model_images_oss_object (oss_object_name),"
                " KEY idx_model_images_user_created (user_id, created_at),"
                " KEY idx_model_images_storage_key (storage_key))"),
             // The claim's candidates are read from these indexes in claim order (lease_until;
             // next_attempt_at, created_at), a covering walk that stops after a few rows.
             my("CREATE TABLE image_tasks ("
                " id CHAR(36) NOT NULL PRIMARY KEY,"
                " model_photo_id BIGINT NOT NULL,"
                " type VARCHAR(32) NOT NULL,"
                " payload TEXT NOT NULL DEFAULT '',"
                " status VARCHAR(32) NOT NULL,"
                " attempts INT NOT NULL DEFAULT 0,"
                " max_attempts INT NOT NULL DEFAULT 3,"
                " next_attempt_at BIGINT NOT NULL,"
                " locked_by VARCHAR(128) NOT NULL DEFAULT '',"
                " lease_until BIGINT NULL,"
                " provider_task_id VARCHAR(128) NOT NULL DEFAULT '',"
                " progress INT NOT NULL DEFAULT 0,"
                " error_code VARCHAR(64) NOT NULL DEFAULT '',"
                " error_message TEXT NOT NULL DEFAULT '',"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " started_at BIGINT NULL,"
                " finished_at BIGINT NULL,"
                " UNIQUE KEY uq_image_tasks_photo (model_photo_id),"
                " KEY idx_image_tasks_due (status, next_attempt_at, created_at),"
                " KEY idx_image_tasks_lease (status, lease_until))"),
         },
         {
             "CREATE TABLE model_photos ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " user_id BIGINT NOT NULL,"
             " task_id TEXT NOT NULL DEFAULT '',"
             " batch_id TEXT NOT NULL DEFAULT '',"
             " name TEXT NOT NULL DEFAULT '',"
             " description TEXT NOT NULL DEFAULT '',"
             " gender TEXT NOT NULL DEFAULT '',"
             " age_range TEXT NOT NULL DEFAULT '',"
             " ethnicity TEXT NOT NULL DEFAULT '',"
             " style_tags TEXT NOT NULL DEFAULT '[]',"
             " prompt TEXT NOT NULL DEFAULT '',"
             " reference_images TEXT NOT NULL DEFAULT '[]',"
             " aspect_ratio TEXT NOT NULL DEFAULT '',"
             " resolution TEXT NOT NULL DEFAULT '',"
             " model_version TEXT NOT NULL DEFAULT '',"
             " negative_prompt TEXT NOT NULL DEFAULT '',"
             " status TEXT NOT NULL,"
             " progress BIGINT NOT NULL DEFAULT 0,"
             " error_code TEXT NOT NULL DEFAULT '',"
             " error_message TEXT NOT NULL DEFAULT '',"
             " started_at BIGINT,"
             " finished_at BIGINT,"
             " generation_time REAL,"
             " image_count BIGINT NOT NULL DEFAULT 1,"
             " total_size BIGINT NOT NULL DEFAULT 0,"
             " is_deleted BIGINT NOT NULL DEFAULT 0,"
             " deleted_at BIGINT)",
             "CREATE INDEX idx_model_photos_user_created ON model_photos (user_id, created_at)",
             "CREATE INDEX idx_model_photos_user_id ON model_photos (user_id, id)",
             "CREATE INDEX idx_model_photos_status ON model_photos (status)",
             "CREATE INDEX idx_model_photos_task ON model_photos (task_id)",
             "CREATE INDEX idx_model_photos_gender ON model_photos (gender)",
             "CREATE INDEX idx_model_photos_batch ON model_photos (batch_id)",
             "CREATE TABLE model_photo_style_tags ("
             " model_photo_id BIGINT NOT NULL REFERENCES model_photos (id) ON DELETE CASCADE,"
             " tag TEXT NOT NULL,"
             " PRIMARY KEY (model_photo_id, tag))",
             "CREATE INDEX idx_model_photo_style_tags_tag ON model_photo_style_tags (tag, model_photo_id)",
             "CREATE TABLE model_images ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " created_at BIGINT NOT NULL,"
             " model_photo_id BIGINT NOT NULL,"
             " user_id BIGINT NOT NULL,"
             " filename TEXT NOT NULL DEFAULT '',"
             " width BIGINT NOT NULL DEFAULT 0,"
             " height BIGINT NOT NULL DEFAULT 0,"
             " size BIGINT NOT NULL DEFAULT 0,"
             " content_type TEXT NOT NULL DEFAULT '',"
             " extension TEXT NOT NULL DEFAULT '',"
             " storage_key TEXT NOT NULL,"
             " sha256 TEXT NOT NULL DEFAULT '',"
             " crc32 BIGINT NOT NULL DEFAULT 0,"
             " oss_object_name TEXT NOT NULL DEFAULT '',"
             " oss_url TEXT NOT NULL DEFAULT '',"
             " oss_cdn_url TEXT NOT NULL DEFAULT '',"
             " oss_folder TEXT NOT NULL DEFAULT '',"
             " local_path TEXT NOT NULL DEFAULT '',"
             " is_uploaded BIGINT NOT NULL DEFAULT 0,"
             " uploaded_at BIGINT,"
             " image_type TEXT NOT NULL,"
             " is_primary BIGINT NOT NULL DEFAULT 0,"
             " sort_order BIGINT NOT NULL DEFAULT 0,"
             " is_deleted BIGINT NOT NULL DEFAULT 0,"
             " deleted_at BIGINT)",
             "CREATE INDEX idx_model_images_photo ON model_images (model_photo_id)",
             "CREATE INDEX idx_model_images_oss_object ON model_images (oss_object_name)",
             "CREATE INDEX idx_model_images_user_created ON model_images (user_id, created_at)",
             "CREATE INDEX idx_model_images_storage_key ON model_images (storage_key)",
             "CREATE TABLE image_tasks ("
             " id TEXT NOT NULL PRIMARY KEY,"
             " model_photo_id BIGINT NOT NULL,"
             " type TEXT NOT NULL,"
             " payload TEXT NOT NULL DEFAULT '',"
             " status TEXT NOT NULL,"
             " attempts BIGINT NOT NULL DEFAULT 0,"
             " max_attempts BIGINT NOT NULL DEFAULT 3,"
             " next_attempt_at BIGINT NOT NULL,"
             " locked_by TEXT NOT NULL DEFAULT '',"
             " lease_until BIGINT,"
             " provider_task_id TEXT NOT NULL DEFAULT '',"
             " progress BIGINT NOT NULL DEFAULT 0,"
             " error_code TEXT NOT NULL DEFAULT '',"
             " error_message TEXT NOT NULL DEFAULT '',"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " started_at BIGINT,"
             " finished_at BIGINT)",
             "CREATE UNIQUE INDEX uq_image_tasks_photo ON image_tasks (model_photo_id)",
             "CREATE INDEX idx_image_tasks_due ON image_tasks (status, next_attempt_at, created_at)",
             "CREATE INDEX idx_image_tasks_lease ON image_tasks (status, lease_until)",
         }},
        {6,
         "catalogue version",
         {
             // One row: bumped in the transaction of every product change, and read by the
             // session check, so a process may keep product pages and facets it has computed for
             // as long as the version it read them at is still the current one.
             my("CREATE TABLE catalogue_version (id TINYINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL)"),
             "INSERT INTO catalogue_version (id, version) VALUES (1, 0)",
         },
         {
             "CREATE TABLE catalogue_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
             "INSERT INTO catalogue_version (id, version) VALUES (1, 0)",
         }},
    };
    return all;
}

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void ensureVersionTable(Session& s, Dialect dialect) {
    executeSql(s, dialect == Dialect::MySQL
                      ? my("CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY,"
                           " name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)")
                      : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
}

int versionOf(Session& s) {
    auto rs = SqlQuery(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").rows();
    return rs.rowCount() ? static_cast<int>(cellInt(rs, 0, 0)) : 0;
}

// Applies what is pending on one session; the caller holds the lock or transaction.
MigrationReport applyPending(Session& s, Dialect dialect) {
    ensureVersionTable(s, dialect);
    MigrationReport report;
    report.fromVersion = report.toVersion = versionOf(s);
    if (report.fromVersion > latestSchemaVersion())
        throw std::runtime_error("database schema version " + std::to_string(report.fromVersion) +
                                 " is newer than this build knows (" + std::to_string(latestSchemaVersion()) +
                                 ")");
    for (const auto& m : migrations()) {
        if (m.version <= report.toVersion) continue;
        for (const auto& sql : dialect == Dialect::MySQL ? m.mysql : m.sqlite) executeSql(s, sql);
        SqlQuery(s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .arg(m.version)
            .arg(std::string(m.name))
            .arg(nowMillis())
            .exec();
        report.toVersion = m.version;
        char label[16];
        std::snprintf(label, sizeof label, "%04d ", m.version);
        report.applied.push_back(label + std::string(m.name));
    }
    return report;
}

}  // namespace

int latestSchemaVersion() {
    return migrations().back().version;
}

int currentSchemaVersion(Database& db) {
    int version = 0;
    db.run([&](Session& s) {
        ensureVersionTable(s, db.dialect());
        version = versionOf(s);
    });
    return version;
}

MigrationReport migrate(Database& db) {
    MigrationReport report;
    if (db.dialect() == Dialect::SQLite) {
        // SQLite DDL is transactional: all pending migrations commit together or not at all.
        db.transact([&](Session& s) { report = applyPending(s, Dialect::SQLite); });
        return report;
    }
    // MySQL DDL commits implicitly; a named lock keeps concurrent start-ups from racing.
    db.run([&](Session& s) {
        Poco::Int64 locked = 0;
        s << "SELECT GET_LOCK('mofang_migrate', 60)", Poco::Data::Keywords::into(locked),
            Poco::Data::Keywords::now;
        if (locked != 1) throw std::runtime_error("could not take the migration lock within 60 s");
        try {
            report = applyPending(s, Dialect::MySQL);
        } catch (...) {
            executeSql(s, "DO RELEASE_LOCK('mofang_migrate')");
            throw;
        }
        executeSql(s, "DO RELEASE_LOCK('mofang_migrate')");
    });
    return report;
}

}  // namespace mofang::persistence
